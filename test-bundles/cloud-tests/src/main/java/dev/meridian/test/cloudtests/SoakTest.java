package dev.meridian.test.cloudtests;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;

import dev.meridian.api.ChatRequest;
import dev.meridian.api.ModelProvider;
import dev.meridian.api.routing.Routing;
import dev.meridian.test.cloud.DashScopeWire;
import dev.meridian.test.cloud.FakeCloudServer;
import dev.meridian.test.cloud.OpenAiWire;
import dev.meridian.test.soak.BundleSoak;
import dev.meridian.test.trust.DevelopmentTrust;

/**
 * Issue 9: the OpenAI and DashScope provider bundles updated in place again and again while requests run: no request
 * fails, every old revision is collected, threads and heap come back ({@code MERIDIAN_SOAK_CYCLES=200} for the full
 * run).
 */
class SoakTest {
    @InjectBundleContext
    BundleContext context;
    @InjectService
    ConfigurationAdmin cm;
    @InjectService
    Routing routing;
    @InjectService(filter = ModelProvider.ROUTED_FILTER)
    ModelProvider routed;

    @Test
    void cloudProviderBundlesUpdatedUnderLoadLeaveNothingBehind() throws Exception {
        DevelopmentTrust.apply(context, cm, routing);
        try (FakeCloudServer openai = new FakeCloudServer(OpenAiWire.answer("Hello", " world"));
                FakeCloudServer dashscope = new FakeCloudServer(DashScopeWire.answer("你好", "世界"))) {
            // configured here, not through ConfiguredProvider: it keeps the first revision's service object
            Configuration gpt = provider("meridian.provider.openai", "soak-gpt", "global",
                    Map.of("baseUrl", openai.baseUrl()));
            Configuration qwen = provider("meridian.provider.dashscope", "soak-qwen", "cn-mainland",
                    Map.of("baseUrl", dashscope.baseUrl(), "deploymentRegion", "cn-beijing"));
            Configuration policy = cm.getFactoryConfiguration(Routing.POLICY_FACTORY_PID, "SOAK", "?");
            Dictionary<String, Object> properties = new Hashtable<>();
            properties.put("region", "SOAK");
            properties.put("scopes", new String[] { "global", "cn-mainland" });
            policy.update(properties);
            try {
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (!routing.policies().containsKey("SOAK") && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
                routing.selectRegion("SOAK");
                AtomicLong turn = new AtomicLong();
                BundleSoak.Report report = BundleSoak.run(context, routed,
                        List.of(bundle("dev.meridian.provider-openai"), bundle("dev.meridian.provider-dashscope")),
                        List.of("soak-gpt", "soak-qwen"),
                        () -> ChatRequest.of("hi").withProvider(turn.incrementAndGet() % 2 == 0 ? "soak-gpt"
                                : "soak-qwen"),
                        4, BundleSoak.cycles(10));
                System.out.println("cloud soak: " + report);
                assertThat(report.failures()).as("failed requests").isEmpty();
                assertThat(report.oldRevisionsReachable()).as("old revisions still reachable").isZero();
                assertThat(report.threadsAfter()).as("threads").isLessThanOrEqualTo(report.threadsBefore() + 2);
                assertThat(report.heapAfter()).as("heap").isLessThanOrEqualTo(report.heapBefore() + (16L << 20));
                assertThat(report.completed()).isGreaterThan(report.cycles());
            } finally {
                policy.delete();
                gpt.delete();
                qwen.delete();
            }
        }
    }

    private Configuration provider(String factoryPid, String id, String scope, Map<String, Object> endpoint)
            throws Exception {
        Dictionary<String, Object> properties = new Hashtable<>();
        ConfiguredProvider.fastSettings().forEach(properties::put);
        endpoint.forEach(properties::put);
        properties.put("meridian.provider.id", id);
        properties.put("meridian.provider.scope", scope);
        properties.put(".apiKey", ConfiguredProvider.KEY);
        Configuration configuration = cm.getFactoryConfiguration(factoryPid, id, "?");
        configuration.update(properties);
        return configuration;
    }

    private Bundle bundle(String symbolicName) {
        return Arrays.stream(context.getBundles()).filter(b -> symbolicName.equals(b.getSymbolicName())).findFirst()
                .orElseThrow();
    }
}
