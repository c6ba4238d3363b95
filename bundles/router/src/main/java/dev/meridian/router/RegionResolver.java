package dev.meridian.router;

import dev.meridian.api.routing.RegionSetting;
import dev.meridian.api.routing.RegionSetting.Source;

/**
 * Decides the active region from its sources, first found: configuration, framework or system property
 * ({@code --region}), environment, default. A source that is present but cannot be read does not fall through to
 * the next: the device could then run under another region's rules (a damaged CN configuration would allow
 * OpenAI), so the region is {@linkplain RegionSetting#invalid invalid} and every request fails closed.
 */
final class RegionResolver {
    private RegionResolver() {
    }

    static RegionSetting resolve(Object configured, String property, String environment, String fallback) {
        if (configured != null) {
            return read(configured, Source.CONFIGURATION, "configuration " + dev.meridian.api.routing.Routing.REGION_PID);
        }
        if (property != null && !property.isBlank()) {
            return read(property, Source.COMMAND_LINE, "property meridian.region (--region)");
        }
        if (environment != null && !environment.isBlank()) {
            return read(environment, Source.ENVIRONMENT, "environment variable MERIDIAN_REGION");
        }
        return RegionSetting.of(fallback, Source.DEFAULT);
    }

    private static RegionSetting read(Object value, Source source, String where) {
        try {
            return RegionSetting.of(PolicyReader.region(value), source);
        } catch (IllegalArgumentException e) {
            return RegionSetting.invalid(where + ": " + e.getMessage());
        }
    }
}
