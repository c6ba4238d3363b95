package dev.meridian.conformance;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.metatype.MetaTypeInformation;
import org.osgi.service.metatype.MetaTypeService;
import org.osgi.service.metatype.ObjectClassDefinition;

import dev.meridian.api.Availability;
import dev.meridian.api.ModelProvider;
import dev.meridian.api.ProviderProperties;

/**
 * The provider bundle under test: installed and started, its factory configuration found through metatype, and
 * configured as an integrator would, once per check, with a fresh provider id each time.
 */
final class Subject {
    /**
     * Short limits, so that every failure case ends in a few seconds, with room for a cold JVM on a busy machine;
     * set only where the provider has them.
     */
    private static final Map<String, Object> FAST = Map.ofEntries(Map.entry("connectTimeoutMs", 1000L),
            Map.entry("firstTokenTimeoutMs", 2000L), Map.entry("idleTimeoutMs", 1000L),
            Map.entry("totalTimeoutMs", 3000L), Map.entry("maxAttempts", 3), Map.entry("retryBaseMs", 20L),
            Map.entry("retryMaxMs", 100L), Map.entry("maxServerWaitMs", 1000L),
            Map.entry("unreachableCoolDownMs", 300L), Map.entry("drainMs", 3000L));
    /**
     * Room for the checks that expect an answer, not a timeout: the first request of a cold JVM on a busy machine
     * (class loading, the HTTP client starting) can take longer than {@link #FAST}'s first-token limit.
     */
    private static final Map<String, Object> ROOMY = Map.of("firstTokenTimeoutMs", 15000L, "idleTimeoutMs", 15000L,
            "totalTimeoutMs", 60000L);
    private static final AtomicInteger COUNTER = new AtomicInteger();

    final Bundle bundle;
    final String factoryPid;
    final Set<String> attributes;
    private final BundleContext context;
    private final ConfigurationAdmin cm;
    private final Map<String, Object> given;
    private final String key;
    private volatile String endpoint;

    Subject(BundleContext context, ConfigurationAdmin cm, MetaTypeService metatype, Path jar, String pid,
            Map<String, Object> given, String key) throws BundleException {
        this.context = context;
        this.cm = cm;
        this.given = Map.copyOf(given);
        this.key = key;
        this.bundle = context.installBundle(jar.toUri().toString());
        bundle.start();
        MetaTypeInformation info = metatype.getMetaTypeInformation(bundle);
        List<String> factories = info == null ? List.of() : Arrays.asList(info.getFactoryPids());
        if (pid != null) {
            factoryPid = pid;
        } else if (factories.size() == 1) {
            factoryPid = factories.get(0);
        } else {
            throw new IllegalArgumentException(factories.isEmpty()
                    ? "the bundle designates no factory configuration in metatype (@Designate(factory = true)); "
                            + "name its factory PID with --pid"
                    : "the bundle designates several factory configurations " + factories + "; pick one with --pid");
        }
        ObjectClassDefinition ocd = info == null || !factories.contains(factoryPid) ? null
                : info.getObjectClassDefinition(factoryPid, null);
        attributes = ocd == null ? Set.of()
                : Arrays.stream(ocd.getAttributeDefinitions(ObjectClassDefinition.ALL)).map(ad -> ad.getID())
                        .collect(Collectors.toUnmodifiableSet());
    }

    /** Whether it talks to an HTTP endpoint the kit can point at its fakes (a {@code baseUrl} attribute). */
    boolean speaksHttp() {
        return attributes.contains("baseUrl");
    }

    /** Whether it takes an API key in its configuration ({@code .apiKey}). */
    boolean takesKey() {
        return attributes.contains(".apiKey");
    }

    void pointAt(String baseUrl) {
        endpoint = baseUrl;
    }

    /** A provider instance of its own: the kit's settings, then the command line's, then {@code overrides}. */
    /** {@link #ROOMY}'s limits, where the provider has them: overrides for checks that expect an answer. */
    Map<String, Object> roomy() {
        Map<String, Object> limits = new HashMap<>();
        ROOMY.forEach((attribute, value) -> {
            if (attributes.contains(attribute)) {
                limits.put(attribute, value);
            }
        });
        return limits;
    }

    Instance configure(String name, Map<String, Object> overrides) throws Exception {
        String id = "conformance-" + name + "-" + COUNTER.incrementAndGet();
        Map<String, Object> settings = new HashMap<>();
        FAST.forEach((attribute, value) -> {
            if (attributes.contains(attribute)) {
                settings.put(attribute, value);
            }
        });
        if (speaksHttp() && endpoint != null) {
            settings.put("baseUrl", endpoint);
        }
        if (takesKey()) {
            settings.put(".apiKey", key);
        }
        settings.putAll(given);
        settings.putAll(overrides);
        settings.put(ProviderProperties.ID, id);
        Dictionary<String, Object> properties = new Hashtable<>(settings);
        Configuration configuration = cm.getFactoryConfiguration(factoryPid, id, "?");
        configuration.update(properties);
        ServiceReference<ModelProvider> reference = await(id, Duration.ofSeconds(15));
        ModelProvider provider = context.getService(reference);
        // the router sends nothing to a provider still loading (a model file): neither does the kit
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (provider.availability().state() == Availability.State.LOADING && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        return new Instance(id, String.valueOf(reference.getProperty(ProviderProperties.SCOPE)), reference, provider,
                configuration);
    }

    private ServiceReference<ModelProvider> await(String id, Duration limit) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            Collection<ServiceReference<ModelProvider>> references = context.getServiceReferences(ModelProvider.class,
                    "(" + ProviderProperties.ID + "=" + id + ")");
            if (!references.isEmpty()) {
                return references.iterator().next();
            }
            Thread.sleep(10);
        }
        throw new Violation("registers a provider", "no ModelProvider with " + ProviderProperties.ID + "=" + id
                + " within " + limit.toSeconds() + " s of its configuration (" + factoryPid + "); bundle state "
                + bundle.getState());
    }

    /** One configured provider; closing deletes its configuration. */
    record Instance(String id, String scope, ServiceReference<ModelProvider> reference, ModelProvider provider,
            Configuration configuration) implements AutoCloseable {

        @Override
        public void close() throws Exception {
            try {
                configuration.delete();
            } catch (IllegalStateException alreadyDeleted) {
                // a check deleted it itself
            }
        }
    }
}
