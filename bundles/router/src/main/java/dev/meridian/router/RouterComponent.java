package dev.meridian.router;

import java.io.IOException;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.meridian.api.Availability;
import dev.meridian.api.ChatRequest;
import dev.meridian.api.ModelProvider;
import dev.meridian.api.ProviderProperties;
import dev.meridian.api.StreamHandle;
import dev.meridian.api.StreamListener;
import dev.meridian.api.routing.ProviderStats;
import dev.meridian.api.routing.ProviderStatus;
import dev.meridian.api.routing.RegionPolicy;
import dev.meridian.api.routing.Routing;

/**
 * The routed {@link ModelProvider} applications bind ({@code meridian.routed=true}), and {@link Routing} for the
 * console. Binds every backend dynamically and greedily, so a new bundle revision serves as soon as it registers
 * and one that goes away gets no new request.
 *
 * <p>
 * Active region, first found: the {@value Routing#REGION_PID} configuration's {@code region}; the framework or
 * system property {@code meridian.region}; the environment variable {@code MERIDIAN_REGION}; {@code GLOBAL}.
 */
@Component(immediate = true, configurationPid = Routing.REGION_PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL, service = { ModelProvider.class, Routing.class },
        property = ModelProvider.ROUTED + ":Boolean=true")
@Designate(ocd = RouterComponent.Config.class)
public final class RouterComponent implements ModelProvider, Routing {
    private static final Logger LOG = LoggerFactory.getLogger(RouterComponent.class);
    static final String DEFAULT_REGION = "GLOBAL";

    @ObjectClassDefinition(name = "Meridian active region",
            description = "The region whose policy decides which providers may serve requests")
    @interface Config {
        @AttributeDefinition(description = "Region name with a configured policy, e.g. CN, GLOBAL, EU")
        String region();
    }

    private final Router router;
    private final BundleContext context;
    private final Map<Long, RankedPolicy> policySources = new ConcurrentHashMap<>();

    @Reference
    private ConfigurationAdmin configurationAdmin;

    @Activate
    public RouterComponent(BundleContext context, Map<String, Object> properties) {
        this.context = context;
        this.router = new Router(initialRegion(context, properties));
        LOG.info("Router active, region {}", router.activeRegion());
    }

    private static String initialRegion(BundleContext context, Map<String, Object> properties) {
        for (Object candidate : new Object[] { properties.get("region"), context.getProperty("meridian.region"),
                System.getenv("MERIDIAN_REGION") }) {
            if (candidate == null || candidate.toString().isBlank()) {
                continue;
            }
            try {
                return PolicyReader.region(candidate);
            } catch (IllegalArgumentException e) {
                LOG.error("Ignored active region: {}", e.getMessage());
            }
        }
        return DEFAULT_REGION;
    }

    @Modified
    void modified(Map<String, Object> properties) {
        Object value = properties.get("region");
        if (value == null) {
            return;
        }
        try {
            String region = PolicyReader.region(value);
            if (!region.equals(router.activeRegion())) {
                router.setRegion(region);
                LOG.info("Active region is now {}", region);
            }
            warnIfNoPolicy(region);
        } catch (IllegalArgumentException e) {
            LOG.error("Refused active region update: {}; region stays {}", e.getMessage(), router.activeRegion());
        }
    }

    private void warnIfNoPolicy(String region) {
        if (!router.policies().containsKey(region)) {
            LOG.error("Region {} has no policy (known: {}): every request fails closed until one is configured",
                    region, router.policies().keySet());
        }
    }

    @Deactivate
    void deactivate() {
        LOG.info("Router stopped");
    }

    // ---- backends ----

    @Reference(service = ModelProvider.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY,
            target = "(&(" + ProviderProperties.ID + "=*)(!(" + ModelProvider.ROUTED + "=true)))")
    void bindProvider(ModelProvider provider, ServiceReference<ModelProvider> reference) {
        ProviderEntry entry = entry(provider, reference);
        if (entry == null) {
            return;
        }
        router.addProvider(entry);
        LOG.info("Provider {} (scope {}, {}) registered", entry.id(), entry.scope(), entry.bundle());
    }

    void updatedProvider(ModelProvider provider, ServiceReference<ModelProvider> reference) {
        ProviderEntry entry = entry(provider, reference);
        if (entry == null) {
            router.removeProvider((Long) reference.getProperty(Constants.SERVICE_ID));
        } else {
            router.addProvider(entry);
        }
    }

    void unbindProvider(ModelProvider provider, ServiceReference<ModelProvider> reference) {
        router.removeProvider((Long) reference.getProperty(Constants.SERVICE_ID));
        LOG.info("Provider {} unregistered", reference.getProperty(ProviderProperties.ID));
    }

    private static ProviderEntry entry(ModelProvider provider, ServiceReference<ModelProvider> reference) {
        Object id = reference.getProperty(ProviderProperties.ID);
        Object scope = reference.getProperty(ProviderProperties.SCOPE);
        if (!(id instanceof String) || !(scope instanceof String) || ((String) scope).isBlank()) {
            LOG.error("Ignored provider service {} of {}: {} and {} must be strings (were {} and {})",
                    reference.getProperty(Constants.SERVICE_ID), reference.getBundle(), ProviderProperties.ID,
                    ProviderProperties.SCOPE, id, scope);
            return null;
        }
        Object ranking = reference.getProperty(Constants.SERVICE_RANKING);
        String bundle = reference.getBundle() == null ? "?"
                : reference.getBundle().getSymbolicName() + " " + reference.getBundle().getVersion();
        return new ProviderEntry(provider, (String) id, (String) scope, models(reference),
                ranking instanceof Integer r ? r : 0, (Long) reference.getProperty(Constants.SERVICE_ID), bundle);
    }

    private static List<String> models(ServiceReference<?> reference) {
        Object value = reference.getProperty(ProviderProperties.MODELS);
        if (value instanceof String[] array) {
            return List.of(array);
        } else if (value instanceof String single) {
            return List.of(single);
        }
        return List.of();
    }

    // ---- policies ----

    /** A policy service and what orders it against another policy for the same region. */
    private record RankedPolicy(PolicySource source, int ranking, long serviceId) {
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindPolicy(PolicySource source, Map<String, Object> properties) {
        Object ranking = properties.get(Constants.SERVICE_RANKING);
        policySources.put((Long) properties.get(Constants.SERVICE_ID), new RankedPolicy(source,
                ranking instanceof Integer r ? r : 0, (Long) properties.get(Constants.SERVICE_ID)));
        publishPolicies();
    }

    void updatedPolicy(PolicySource source, Map<String, Object> properties) {
        bindPolicy(source, properties);
    }

    void unbindPolicy(PolicySource source, Map<String, Object> properties) {
        policySources.remove((Long) properties.get(Constants.SERVICE_ID));
        publishPolicies();
    }

    /**
     * Publishes one policy per region. Where several name the same region (a shipped default and an integrator's
     * replacement in the deploy folder), the highest {@code service.ranking} wins, then the oldest.
     */
    private synchronized void publishPolicies() {
        Map<String, RegionPolicy> byRegion = new java.util.TreeMap<>();
        policySources.values().stream()
                .sorted(java.util.Comparator.comparingInt(RankedPolicy::ranking).reversed()
                        .thenComparingLong(RankedPolicy::serviceId))
                .map(ranked -> ranked.source().policy()).filter(java.util.Objects::nonNull)
                .forEach(policy -> byRegion.putIfAbsent(policy.region(), policy));
        router.setPolicies(byRegion.values());
    }

    // ---- ModelProvider: delegate to the router ----

    @Override
    public Availability availability() {
        return router.availability();
    }

    @Override
    public StreamHandle stream(ChatRequest request, StreamListener listener) {
        return router.stream(request, listener);
    }

    // ---- Routing ----

    @Override
    public String activeRegion() {
        return router.activeRegion();
    }

    @Override
    public Optional<RegionPolicy> activePolicy() {
        return router.activePolicy();
    }

    @Override
    public Map<String, RegionPolicy> policies() {
        return router.policies();
    }

    @Override
    public List<ProviderStatus> providers() {
        return router.providers();
    }

    @Override
    public Map<String, ProviderStats> stats() {
        return router.stats();
    }

    @Override
    public void selectRegion(String region) {
        String canonical = PolicyReader.region(region);
        if (!router.policies().containsKey(canonical)) {
            throw new IllegalArgumentException("no policy for region " + canonical + "; known regions: "
                    + router.policies().keySet());
        }
        router.setRegion(canonical); // at once, for the next request; the configuration keeps it across restarts
        try {
            Configuration configuration = configurationAdmin.getConfiguration(REGION_PID, "?");
            Dictionary<String, Object> properties = configuration.getProperties();
            if (properties == null) {
                properties = new Hashtable<>();
            }
            properties.put("region", canonical);
            configuration.update(properties);
        } catch (IOException e) {
            throw new IllegalStateException("region " + canonical + " is active but could not be saved: " + e, e);
        }
        LOG.info("Active region set to {}", canonical);
    }
}
