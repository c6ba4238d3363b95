package dev.meridian.provider.dashscope;

import java.util.Locale;

/**
 * DashScope (Model Studio) deployment regions: the endpoint, and the residency scope that follows from it. API keys
 * are bound to one region.
 */
enum DeploymentRegion {
    /** Mainland China (Beijing): data stays in mainland China. */
    CN_BEIJING("cn-beijing", "https://dashscope.aliyuncs.com", "cn-mainland"),
    /** International (Singapore): excludes mainland China. */
    AP_SOUTHEAST_1("ap-southeast-1", "https://dashscope-intl.aliyuncs.com", "intl"),
    /** United States (Virginia). */
    US_EAST_1("us-east-1", "https://dashscope-us.aliyuncs.com", "us");

    final String id;
    final String host;
    final String scope;

    DeploymentRegion(String id, String host, String scope) {
        this.id = id;
        this.host = host;
        this.scope = scope;
    }

    static DeploymentRegion of(String id) {
        String wanted = id == null ? "" : id.strip().toLowerCase(Locale.ROOT);
        for (DeploymentRegion region : values()) {
            if (region.id.equals(wanted)) {
                return region;
            }
        }
        StringBuilder known = new StringBuilder();
        for (DeploymentRegion region : values()) {
            known.append(known.isEmpty() ? "" : ", ").append(region.id);
        }
        throw new IllegalArgumentException("deploymentRegion must be one of " + known + ", was '" + id + "'");
    }
}
