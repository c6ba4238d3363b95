package dev.meridian.test.cloudtests;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;

import dev.meridian.api.ChatRequest;
import dev.meridian.api.ModelException;
import dev.meridian.api.ModelProvider;
import dev.meridian.api.routing.Routing;
import dev.meridian.test.cloud.FakeCloudServer;
import dev.meridian.test.cloud.OpenAiWire;
import dev.meridian.test.trust.DevelopmentTrust;

/**
 * Issue 9: the only provider of a region gets its key rotated twenty times while sixteen streams run through the
 * router; not one request fails, and after each rotation the new key is the one sent.
 */
class KeyRotationTest {
    private static final int STREAMS = 16;
    private static final int ROTATIONS = 20;

    @InjectBundleContext
    BundleContext context;
    @InjectService
    ConfigurationAdmin cm;
    @InjectService
    Routing routing;
    @InjectService(filter = ModelProvider.ROUTED_FILTER)
    ModelProvider routed;

    @Test
    void rotatingTheKeyOfTheOnlyProviderFailsNoRequest() throws Exception {
        DevelopmentTrust.apply(context, cm, routing);
        try (FakeCloudServer server = new FakeCloudServer(OpenAiWire.answer("Hello", " world"));
                ConfiguredProvider provider = ConfiguredProvider.create(context, cm, "meridian.provider.openai",
                        "rotate", "global", Map.of("baseUrl", server.baseUrl(), ".apiKey", "sk-rotation-0000"))) {
            Configuration policy = cm.getFactoryConfiguration(Routing.POLICY_FACTORY_PID, "ROTATE", "?");
            Dictionary<String, Object> properties = new Hashtable<>();
            properties.put("region", "ROTATE");
            properties.put("scopes", new String[] { "global" });
            policy.update(properties);
            try {
                await(() -> routing.policies().containsKey("ROTATE"));
                routing.selectRegion("ROTATE");
                await(() -> routing.providers().stream().anyMatch(p -> p.id().equals(provider.id) && p.eligible()));

                List<String> failures = new CopyOnWriteArrayList<>();
                AtomicLong completed = new AtomicLong();
                AtomicBoolean running = new AtomicBoolean(true);
                List<Thread> workers = new ArrayList<>();
                for (int i = 0; i < STREAMS; i++) {
                    workers.add(Thread.ofPlatform().start(() -> {
                        while (running.get()) {
                            try {
                                routed.call(ChatRequest.of("hi"));
                                completed.incrementAndGet();
                            } catch (ModelException e) {
                                failures.add(e.toString());
                            }
                        }
                    }));
                }
                try {
                    Configuration configuration = cm.listConfigurations("(meridian.provider.id=" + provider.id
                            + ")")[0];
                    for (int rotation = 1; rotation <= ROTATIONS; rotation++) {
                        String key = String.format("sk-rotation-%04d", rotation);
                        Dictionary<String, Object> rotated = configuration.getProperties();
                        rotated.put(".apiKey", key);
                        configuration.update(rotated);
                        await(() -> !server.requests().isEmpty()
                                && server.lastRequest().header("authorization").equals("Bearer " + key));
                        // as an operator would: the next rotation after the vault took this key out of the
                        // configuration (two writers racing on one configuration can lose a write)
                        await(() -> keyMovedOut(configuration));
                    }
                } finally { // a failed wait must not leave sixteen threads calling for the rest of the run
                    running.set(false);
                    for (Thread worker : workers) {
                        worker.join(TimeUnit.SECONDS.toMillis(30));
                    }
                }
                System.out.printf("key rotation: %d requests completed during %d rotations, %d failed%n",
                        completed.get(), ROTATIONS, failures.size());
                assertThat(failures).as("failed requests").isEmpty();
                assertThat(completed.get()).isGreaterThan(ROTATIONS * STREAMS);
            } finally {
                policy.delete();
            }
        }
    }

    private static boolean keyMovedOut(Configuration configuration) {
        Dictionary<String, Object> properties = configuration.getProperties();
        return properties != null && properties.get(".apiKey") == null;
    }

    private static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
        // generous: once, with a 100,000-case fuzz and other builds on the two cores, 10 s was not enough
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waited too long").isLessThan(deadline);
            Thread.sleep(5);
        }
    }
}
