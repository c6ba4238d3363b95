package dev.meridian.router;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.osgi.framework.Bundle;
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
import dev.meridian.api.Consent;
import dev.meridian.api.ModelProvider;
import dev.meridian.api.ProviderProperties;
import dev.meridian.api.StreamHandle;
import dev.meridian.api.StreamListener;
import dev.meridian.api.routing.ProviderStats;
import dev.meridian.api.routing.ProviderStatus;
import dev.meridian.api.routing.RegionPolicy;
import dev.meridian.api.routing.RegionSetting;
import dev.meridian.api.routing.TrustSettings;
import dev.meridian.api.routing.Routing;

/**
 * The routed {@link ModelProvider} applications bind ({@code meridian.routed=true}), and {@link Routing} for the
 * console. Binds every backend dynamically and greedily, so a new bundle revision serves as soon as it registers
 * and one that goes away gets no new request.
 *
 * <p>
 * Active region, first found: the {@value Routing#REGION_PID} configuration's {@code region}; the framework or
 * system property {@code meridian.region}; the environment variable {@code MERIDIAN_REGION}; {@code GLOBAL}. One
 * that is present but cannot be read blocks every request ({@link RegionResolver}).
 *
 * <p>
 * A provider serves only if the bundle that registered it is signed by a signer trusted for its scope
 * ({@link TrustComponent}, {@link BundleSignatures}), and, where the policy asks, after the user's consent
 * ({@link ConsentComponent}).
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
    private final BundleSignatures signatures = new BundleSignatures();

    @Reference
    private ConfigurationAdmin configurationAdmin;

    /** Framework property: how long a request waits for the next revision of a provider being updated. */
    static final String SWAP_WAIT = "meridian.router.swapWaitMs";
    static final long DEFAULT_SWAP_WAIT_MS = 5_000;

    @Activate
    public RouterComponent(BundleContext context, Map<String, Object> properties) {
        this.context = context;
        this.router = new Router(regionSetting(properties), Duration.ofMillis(swapWait(context)));
        logRegion();
    }

    private static long swapWait(BundleContext context) {
        String value = context.getProperty(SWAP_WAIT);
        if (value == null || value.isBlank()) {
            return DEFAULT_SWAP_WAIT_MS;
        }
        try {
            long millis = Long.parseLong(value.strip());
            if (millis >= 0 && millis <= 60_000) {
                return millis;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        LOG.error("Ignored {}='{}': a number of milliseconds from 0 to 60000 is expected; using {}", SWAP_WAIT, value,
                DEFAULT_SWAP_WAIT_MS);
        return DEFAULT_SWAP_WAIT_MS;
    }

    /**
     * The active region, first found: configuration, framework or system property, environment, default. A stored
     * region that cannot be read does not fall through to the others: it blocks every request.
     */
    private RegionSetting regionSetting(Map<String, Object> properties) {
        return RegionResolver.resolve(properties.get("region"), context.getProperty("meridian.region"),
                System.getenv("MERIDIAN_REGION"), DEFAULT_REGION);
    }

    private void logRegion() {
        RegionSetting setting = router.regionSetting();
        if (setting.isInvalid()) {
            LOG.error("Active region cannot be read: {}; every request is refused until a valid region is set "
                    + "(ai:region NAME)", setting.problem());
        } else if (!router.policies().isEmpty() && !router.policies().containsKey(setting.region())) {
            LOG.error("Region {} has no policy (known: {}): every request fails closed until one is configured",
                    setting.region(), router.policies().keySet());
        } else {
            LOG.info("Active region {}", setting);
        }
    }

    @Modified
    void modified(Map<String, Object> properties) {
        RegionSetting setting = regionSetting(properties);
        if (!setting.equals(router.regionSetting())) {
            router.setRegion(setting);
            logRegion();
        }
    }

    @Deactivate
    void deactivate() {
        router.close();
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

    private ProviderEntry entry(ModelProvider provider, ServiceReference<ModelProvider> reference) {
        Object id = reference.getProperty(ProviderProperties.ID);
        Object scope = reference.getProperty(ProviderProperties.SCOPE);
        if (!(id instanceof String) || !(scope instanceof String) || ((String) scope).isBlank()) {
            LOG.error("Ignored provider service {} of {}: {} and {} must be strings (were {} and {})",
                    reference.getProperty(Constants.SERVICE_ID), reference.getBundle(), ProviderProperties.ID,
                    ProviderProperties.SCOPE, id, scope);
            return null;
        }
        Object ranking = reference.getProperty(Constants.SERVICE_RANKING);
        Bundle bundle = reference.getBundle();
        String name = bundle == null ? "?" : bundle.getSymbolicName() + " " + bundle.getVersion();
        return new ProviderEntry(provider, (String) id, (String) scope, models(reference),
                ranking instanceof Integer r ? r : 0, (Long) reference.getProperty(Constants.SERVICE_ID), name,
                signatures.of(bundle));
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

    // ---- policies, trust, consent: one component each, read when they change ----

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindPolicy(PolicyComponent source, Map<String, Object> properties) {
        Object ranking = properties.get(Constants.SERVICE_RANKING);
        router.putPolicy((Long) properties.get(Constants.SERVICE_ID), ranking instanceof Integer r ? r : 0,
                source.policy());
    }

    void updatedPolicy(PolicyComponent source, Map<String, Object> properties) {
        bindPolicy(source, properties);
    }

    void unbindPolicy(PolicyComponent source, Map<String, Object> properties) {
        router.removePolicy((Long) properties.get(Constants.SERVICE_ID));
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindTrust(TrustComponent source) {
        router.setTrust(source.trust());
    }

    void updatedTrust(TrustComponent source) {
        router.setTrust(source.trust());
    }

    void unbindTrust(TrustComponent source) {
        router.setTrust(TrustPolicy.NONE);
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindConsent(ConsentComponent source) {
        router.setConsents(source.consents());
    }

    void updatedConsent(ConsentComponent source) {
        router.setConsents(source.consents());
    }

    void unbindConsent(ConsentComponent source) {
        router.setConsents(Map.of());
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

    // ---- Routing: the read side is the router's; changes are saved in Configuration Admin ----

    @Override
    public String activeRegion() {
        return router.activeRegion();
    }

    @Override
    public RegionSetting regionSetting() {
        return router.regionSetting();
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
    public TrustSettings trust() {
        return router.trust();
    }

    @Override
    public Map<String, Consent> consents() {
        return router.consents();
    }

    @Override
    public void selectRegion(String region) {
        String canonical = PolicyReader.region(region);
        if (!router.policies().containsKey(canonical)) {
            throw new IllegalArgumentException("no policy for region " + canonical + "; known regions: "
                    + router.policies().keySet());
        }
        // at once, for the next attempt; the configuration keeps it across restarts
        router.setRegion(RegionSetting.of(canonical, RegionSetting.Source.CONFIGURATION));
        updateConfiguration(REGION_PID, properties -> properties.put("region", canonical));
        LOG.info("Active region set to {}", canonical);
    }

    @Override
    public synchronized Consent grantConsent(String scope) {
        String name = PolicyReader.scope(scope, "scope");
        Consent consent = new Consent(name, Instant.now().truncatedTo(ChronoUnit.SECONDS));
        Map<String, Consent> updated = new HashMap<>(router.consents());
        updated.put(name, consent);
        router.setConsents(updated);
        updateConfiguration(CONSENT_PID,
                properties -> properties.put(ConsentReader.GRANTED_ + name, consent.grantedAt().toString()));
        LOG.info("Consent granted for scope {} at {}", name, consent.grantedAt());
        return consent;
    }

    @Override
    public synchronized boolean revokeConsent(String scope) {
        String name = PolicyReader.scope(scope, "scope");
        Map<String, Consent> updated = new HashMap<>(router.consents());
        boolean had = updated.remove(name) != null;
        router.setConsents(updated);
        updateConfiguration(CONSENT_PID, properties -> properties.remove(ConsentReader.GRANTED_ + name));
        LOG.info("Consent for scope {} revoked", name);
        return had;
    }

    private void updateConfiguration(String pid, java.util.function.Consumer<Dictionary<String, Object>> change) {
        try {
            Configuration configuration = configurationAdmin.getConfiguration(pid, "?");
            Dictionary<String, Object> properties = configuration.getProperties();
            if (properties == null) {
                properties = new Hashtable<>();
            }
            change.accept(properties);
            configuration.update(properties);
        } catch (IOException e) {
            throw new IllegalStateException("in force now, but could not be saved in " + pid + ": " + e, e);
        }
    }
}
