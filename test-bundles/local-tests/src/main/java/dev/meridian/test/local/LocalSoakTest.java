package dev.meridian.test.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;

import dev.meridian.api.ChatRequest;
import dev.meridian.api.GenerationOptions;
import dev.meridian.api.ModelProvider;
import dev.meridian.api.routing.Routing;
import dev.meridian.test.soak.BundleSoak;
import dev.meridian.test.trust.DevelopmentTrust;

/**
 * Issue 9: the local provider bundle updated in place again and again while it answers: no request fails, every old
 * revision is collected, threads and heap come back, and the model file is mapped once at most (by the current
 * revision). {@code MERIDIAN_SOAK_CYCLES=200} for the full run.
 */
class LocalSoakTest {
    @InjectBundleContext
    BundleContext context;
    @InjectService
    ConfigurationAdmin cm;
    @InjectService
    Routing routing;
    @InjectService(filter = ModelProvider.ROUTED_FILTER)
    ModelProvider routed;

    @Test
    void theLocalProviderBundleUpdatedUnderLoadLeavesNothingBehind() throws Exception {
        String dir = context.getProperty("meridian.testdata");
        Path model = dir == null ? null : Path.of(dir, "models", "stories260K-ffn192-Q8_0.gguf");
        Assumptions.assumeTrue(model != null && Files.exists(model), "../shared/testdata models are absent: skipped");
        Path copy = Files.copy(model, Files.createTempDirectory("soak").resolve("soak.gguf"));
        DevelopmentTrust.apply(context, cm, routing);
        Configuration provider = cm.getFactoryConfiguration("meridian.provider.local", "soak", "?");
        Dictionary<String, Object> properties = new Hashtable<>();
        properties.put("meridian.provider.id", "local-soak");
        properties.put("modelFile", copy.toString());
        properties.put("threads", 2);
        properties.put("drainMs", 2000L);
        provider.update(properties);
        Configuration policy = cm.getFactoryConfiguration(Routing.POLICY_FACTORY_PID, "LOCALSOAK", "?");
        Dictionary<String, Object> region = new Hashtable<>();
        region.put("region", "LOCALSOAK");
        region.put("scopes", new String[] { "device" });
        policy.update(region);
        try {
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (!(routing.policies().containsKey("LOCALSOAK") && routing.providers().stream()
                    .anyMatch(p -> p.id().equals("local-soak") && p.availability().isAvailable()))
                    && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            routing.selectRegion("LOCALSOAK");
            Bundle bundle = Arrays.stream(context.getBundles())
                    .filter(b -> "dev.meridian.provider-local".equals(b.getSymbolicName())).findFirst().orElseThrow();
            BundleSoak.Report report = BundleSoak.run(context, routed, List.of(bundle), List.of("local-soak"),
                    () -> ChatRequest.of("Once upon a time").withProvider("local-soak")
                            .withOptions(GenerationOptions.DEFAULTS.withMaxTokens(8)), 2, BundleSoak.cycles(10));
            // the last old revision may still be unmapping (its deactivation waits for its worker): bounded wait
            List<String> mapped = mappings(copy);
            for (int i = 0; i < 100 && mapped.size() > 1; i++) {
                Thread.sleep(100);
                mapped = mappings(copy);
            }
            long mappings = mapped.size();
            System.out.println("local soak: " + report + "; model mappings left " + mappings + " " + mapped);
            assertThat(report.failures()).as("failed requests").isEmpty();
            assertThat(report.oldRevisionsReachable()).as("old revisions still reachable").isZero();
            assertThat(report.threadsAfter()).as("threads").isLessThanOrEqualTo(report.threadsBefore() + 2);
            assertThat(report.heapAfter()).as("heap").isLessThanOrEqualTo(report.heapBefore() + (16L << 20));
            assertThat(mappings).as("mappings of the model file (the current revision's only)").isLessThanOrEqualTo(1);
        } finally {
            policy.delete();
            provider.delete();
        }
    }

    /** The address ranges where {@code file} is mapped into this process. */
    private static List<String> mappings(Path file) throws java.io.IOException {
        return Files.readAllLines(Path.of("/proc/self/maps")).stream().filter(line -> line.endsWith(file.toString()))
                .map(line -> line.split(" ")[0]).distinct().toList();
    }
}
