package dev.meridian.test.cloudtests;

import java.time.Duration;
import java.util.Collection;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import dev.meridian.api.ChatRequest;
import dev.meridian.api.Completion;
import dev.meridian.api.ModelProvider;
import dev.meridian.api.ProviderProperties;
import dev.meridian.api.StreamHandle;
import dev.meridian.api.StreamListener;

/**
 * A cloud provider configured through Configuration Admin, as an integrator would, with short timeouts so that
 * failure cases finish quickly. Each instance has a fresh id, so no state carries over between tests.
 */
final class ConfiguredProvider implements AutoCloseable {
    static final String KEY = "sk-meridian-test-4f1d2c8e9b7a6053";
    private static final AtomicInteger COUNTER = new AtomicInteger();

    final String id;
    final ModelProvider provider;
    private final Configuration configuration;

    private ConfiguredProvider(String id, ModelProvider provider, Configuration configuration) {
        this.id = id;
        this.provider = provider;
        this.configuration = configuration;
    }

    static Map<String, Object> fastSettings() {
        return Map.ofEntries(Map.entry("connectTimeoutMs", 1000L), Map.entry("firstTokenTimeoutMs", 600L),
                Map.entry("idleTimeoutMs", 400L), Map.entry("totalTimeoutMs", 3000L), Map.entry("maxAttempts", 3),
                Map.entry("retryBaseMs", 20L), Map.entry("retryMaxMs", 100L), Map.entry("maxServerWaitMs", 1000L),
                Map.entry("unreachableCoolDownMs", 300L), Map.entry("drainMs", 500L));
    }

    static ConfiguredProvider create(BundleContext context, ConfigurationAdmin cm, String factoryPid, String prefix,
            String scope, Map<String, Object> endpoint) throws Exception {
        String id = prefix + "-" + COUNTER.incrementAndGet();
        Dictionary<String, Object> properties = new Hashtable<>();
        fastSettings().forEach(properties::put);
        endpoint.forEach(properties::put);
        properties.put(ProviderProperties.ID, id);
        properties.put(ProviderProperties.SCOPE, scope);
        if (!endpoint.containsKey(".apiKey")) {
            properties.put(".apiKey", KEY);
        }
        Configuration configuration = cm.getFactoryConfiguration(factoryPid, id, "?");
        configuration.update(properties);
        return new ConfiguredProvider(id, await(context, id), configuration);
    }

    static ModelProvider await(BundleContext context, String id) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            Collection<ServiceReference<ModelProvider>> references = context.getServiceReferences(ModelProvider.class,
                    "(" + ProviderProperties.ID + "=" + id + ")");
            if (!references.isEmpty()) {
                return context.getService(references.iterator().next());
            }
            Thread.sleep(10);
        }
        throw new AssertionError("provider " + id + " did not register");
    }

    /** Streams {@code request} to its end; returns the text and the completion. */
    Result run(ChatRequest request) throws Exception {
        return Result.of(provider, request);
    }

    @Override
    public void close() throws Exception {
        configuration.delete();
    }

    record Result(String text, String reasoning, Completion completion, StreamHandle handle) {
        static Result of(ModelProvider provider, ChatRequest request) throws Exception {
            StringBuilder text = new StringBuilder();
            StringBuilder reasoning = new StringBuilder();
            CompletableFuture<Completion> done = new CompletableFuture<>();
            StreamHandle handle = provider.stream(request, new StreamListener() {
                @Override
                public void onText(String delta) {
                    text.append(delta);
                }

                @Override
                public void onReasoning(String delta) {
                    reasoning.append(delta);
                }

                @Override
                public void onComplete(Completion completion) {
                    done.complete(completion);
                }
            });
            Completion completion = done.get(15, TimeUnit.SECONDS);
            return new Result(text.toString(), reasoning.toString(), completion, handle);
        }
    }
}
