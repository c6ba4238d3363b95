package dev.meridian.test.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;

import dev.meridian.api.Availability;
import dev.meridian.api.ChatRequest;
import dev.meridian.api.Completion;
import dev.meridian.api.ErrorKind;
import dev.meridian.api.FinishReason;
import dev.meridian.api.ModelException;
import dev.meridian.api.ModelProvider;
import dev.meridian.api.ProviderProperties;
import dev.meridian.api.StreamHandle;
import dev.meridian.api.StreamListener;
import dev.meridian.api.provider.ProviderStream;
import dev.meridian.api.routing.RegionPolicy;
import dev.meridian.api.routing.Routing;
import dev.meridian.test.trust.DevelopmentTrust;

/**
 * The residency walk in a real framework: regions, policies and trust changed through Configuration Admin (malformed
 * regions included), consent through the router, providers registered and unregistered in the service registry by
 * this signed bundle, requests held open, failed before and after their first token, and cancelled. After each
 * change the walk waits until the router shows it; then, inside every provider's {@code stream}, it checks that the
 * model's policy in force allows the provider's scope, its signer is trusted for it and consent is given. Every
 * request must end exactly once. The seed is printed; to replay one, add {@code residency.seed=SEED} to the
 * {@code -runproperties} of {@code test.bndrun}.
 */
class ResidencyWalkFrameworkTest {
    private static final int STEPS = 2_000;
    private static final List<String> REGIONS = List.of("WALKCN", "WALKGL");
    private static final List<String> SCOPES = List.of("device", "cn-mainland", "global");
    private static final List<String> IDS = List.of("w-local", "w-qwen", "w-gpt");

    @InjectBundleContext
    BundleContext context;
    @InjectService
    ConfigurationAdmin cm;
    @InjectService
    Routing routing;
    @InjectService(filter = ModelProvider.ROUTED_FILTER)
    ModelProvider routed;

    /** The model's view of what is in force, published whole so the oracle can read it from any thread. */
    private record State(String region, Map<String, RegionPolicy> policies, Set<String> trusted,
            Set<String> consents) {
    }

    private Random random;
    private volatile int step;
    private final List<String> violations = java.util.Collections.synchronizedList(new ArrayList<>());
    // while a change travels through Configuration Admin, an attempt may be admitted under the state before it
    private volatile State current;
    private volatile State previous;
    private final Map<String, Configuration> policyConfigurations = new HashMap<>();
    // the model
    private String region; // null: malformed
    private final Map<String, RegionPolicy> policies = new TreeMap<>();
    private Set<String> trustedScopes = Set.copyOf(SCOPES);
    private final Set<String> consents = new HashSet<>();
    private final List<Held> providers = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final List<Request> requests = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (Configuration configuration : policyConfigurations.values()) {
            configuration.delete();
        }
        for (String scope : SCOPES) {
            routing.revokeConsent(scope);
        }
        Policies.region(cm, "GLOBAL");
        DevelopmentTrust.apply(context, cm, routing);
    }

    @Test
    void noAttemptCrossesTheBorderOnRealBundlesAndConfigurationAdmin() throws Exception {
        String given = context.getProperty("residency.seed");
        long seed = given == null ? System.nanoTime() : Long.parseLong(given.strip());
        System.out.println("ResidencyWalkFrameworkTest seed=" + seed + " steps=" + STEPS);
        random = new Random(seed);
        DevelopmentTrust.apply(context, cm, routing);
        current = state();
        long start = System.nanoTime();
        for (step = 0; step < STEPS; step++) {
            int dice = random.nextInt(100);
            previous = current;
            if (dice < 6) {
                changeRegion();
            } else if (dice < 14) {
                changePolicy();
            } else if (dice < 18) {
                changeTrust();
            } else if (dice < 22) {
                changeConsent();
            } else if (dice < 30) {
                registerOrUnregister();
            } else if (dice < 34) {
                Held held = pickOrNull(providers);
                if (held != null) {
                    held.availability = random.nextInt(3) == 0
                            ? Availability.of(Availability.State.UNREACHABLE, "walk") : Availability.AVAILABLE;
                }
            } else if (dice < 65 && open() < 16) {
                startRequest();
            } else {
                progress();
            }
            previous = null; // each change was awaited: the router is in the state the model says
        }
        for (Held held : providers) {
            held.answerAll();
        }
        requests.forEach(r -> r.handle.cancel());
        // a cancel ends a stream soon, not at once (one waiting for a provider to come back wakes on its own thread)
        long ending = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (requests.stream().anyMatch(r -> r.completions.get() == 0) && System.nanoTime() < ending) {
            Thread.sleep(10);
        }
        for (Request request : requests) {
            if (request.completions.get() != 1) {
                violations.add("request ended " + request.completions.get() + " times");
            }
        }
        long served = requests.stream().filter(r -> r.end != null && r.end.error() == null).count();
        System.out.printf("ResidencyWalkFrameworkTest seed=%d: %d steps, %d requests, %d served, %d violations, "
                + "%.1f s%n", seed, STEPS, requests.size(), served, violations.size(),
                (System.nanoTime() - start) / 1e9);
        for (Held held : providers) {
            held.registration.unregister();
        }
        assertThat(violations).as("seed " + seed).isEmpty();
        assertThat(served).as("requests served (the walk must exercise serving)").isGreaterThan(STEPS / 50);
    }

    private <T> T pickOrNull(List<T> values) {
        return values.isEmpty() ? null : values.get(random.nextInt(values.size()));
    }

    private long open() {
        return requests.stream().filter(r -> r.completions.get() == 0).count();
    }

    // ---- changes through Configuration Admin, each awaited ----

    private void changeRegion() throws Exception {
        if (random.nextInt(6) == 0) {
            region = null;
            current = state();
            Policies.region(cm, random.nextBoolean() ? new String[] { "WALKCN" } : "WALK CN");
            Policies.await(() -> routing.regionSetting().isInvalid(), "the malformed region is in force");
        } else {
            String next = random.nextInt(8) == 0 ? "WALKNOPOLICY" : REGIONS.get(random.nextInt(REGIONS.size()));
            region = next;
            current = state();
            Policies.region(cm, next);
            Policies.await(() -> next.equals(routing.regionSetting().region()), "region " + next);
        }
    }

    private void changePolicy() throws Exception {
        String name = REGIONS.get(random.nextInt(REGIONS.size()));
        Configuration existing = policyConfigurations.get(name);
        if (existing != null && random.nextInt(4) == 0) {
            existing.delete();
            policyConfigurations.remove(name);
            policies.remove(name);
            current = state();
        } else {
            List<String> scopes = new ArrayList<>();
            for (String scope : SCOPES) {
                if (random.nextBoolean()) {
                    scopes.add(scope);
                }
            }
            if (scopes.isEmpty()) {
                scopes.add("device");
            }
            List<String> preference = new ArrayList<>(IDS);
            java.util.Collections.shuffle(preference, random);
            List<String> consent = scopes.stream().filter(s -> !s.equals("device") && random.nextInt(3) == 0)
                    .toList();
            policies.put(name, new RegionPolicy(name, scopes, preference, consent, null));
            current = state();
            Configuration configuration = existing != null ? existing
                    : cm.getFactoryConfiguration(Routing.POLICY_FACTORY_PID, "walk-" + name, "?");
            Dictionary<String, Object> properties = new Hashtable<>();
            properties.put("region", name);
            properties.put("scopes", scopes.toArray(String[]::new));
            properties.put("preference", preference.toArray(String[]::new));
            properties.put("consentRequired", consent.toArray(String[]::new));
            configuration.update(properties);
            policyConfigurations.put(name, configuration);
        }
        Policies.await(() -> {
            // one snapshot per look: the router's map may lose a region between two calls
            Map<String, RegionPolicy> live = routing.policies();
            return REGIONS.stream().allMatch(r -> {
                RegionPolicy want = policies.get(r);
                RegionPolicy now = live.get(r);
                return Objects.equals(want == null ? null : want.scopes(), now == null ? null : now.scopes())
                        && Objects.equals(want == null ? null : want.consentRequired(),
                                now == null ? null : now.consentRequired());
            });
        }, "the walk's policies are in force");
    }

    private void changeTrust() throws Exception {
        Set<String> scopes = new HashSet<>(SCOPES); // mostly the usual: the signer trusted for every scope
        if (random.nextBoolean()) {
            scopes.removeIf(scope -> random.nextInt(3) == 0);
        }
        Dictionary<String, Object> properties = new Hashtable<>();
        for (String scope : scopes) {
            properties.put("signers." + scope, new String[] { DevelopmentTrust.signer(context) });
        }
        trustedScopes = Set.copyOf(scopes);
        current = state();
        DevelopmentTrust.write(cm, properties);
        Policies.await(() -> routing.trust().problem() == null && routing.trust().signers().keySet().equals(scopes),
                "trust for " + scopes);
    }

    private void changeConsent() {
        String scope = SCOPES.get(random.nextInt(SCOPES.size()));
        if (consents.remove(scope)) {
            current = state();
            routing.revokeConsent(scope);
        } else {
            consents.add(scope);
            current = state();
            routing.grantConsent(scope);
        }
    }

    private void registerOrUnregister() throws Exception {
        if (providers.size() >= 6 || !providers.isEmpty() && random.nextInt(3) == 0) {
            Held held = providers.get(random.nextInt(providers.size()));
            held.registration.unregister();
            providers.remove(held);
            held.closeAll(); // as a provider's deactivation ends what it still serves
        } else {
            int which = random.nextInt(IDS.size());
            Held held = new Held(IDS.get(which), SCOPES.get(which == 0 ? 0 : random.nextInt(SCOPES.size())));
            providers.add(held); // first: the router may hand it a waiting request while it registers
            held.register();
        }
        Set<Long> expected = new HashSet<>();
        providers.forEach(p -> expected.add(p.serviceId));
        Policies.await(() -> {
            Set<Long> seen = new HashSet<>();
            routing.providers().stream().filter(p -> IDS.contains(p.id())).forEach(p -> seen.add(p.serviceId()));
            return seen.equals(expected);
        }, "the router sees the walk's providers");
    }

    // ---- requests ----

    private void startRequest() {
        Request request = new Request();
        requests.add(request);
        request.handle = routed.stream(ChatRequest.of("walk"), request);
        if (random.nextInt(15) == 0) {
            request.handle.cancel();
        }
    }

    private void progress() {
        Held held = pickOrNull(providers.stream().filter(Held::hasOpen).toList());
        if (held == null) {
            return;
        }
        switch (random.nextInt(4)) {
        case 0, 1 -> held.answerOldest();
        case 2 -> held.failOldest(random.nextBoolean() ? ErrorKind.RATE_LIMITED : ErrorKind.INVALID_REQUEST, 0);
        default -> held.failOldest(ErrorKind.TIMEOUT, 1);
        }
    }

    private State state() {
        return new State(region, Map.copyOf(policies), trustedScopes, Set.copyOf(consents));
    }

    /** Why the model forbids a provider of {@code scope} now (and before the change on its way), or {@code null}. */
    private String forbidden(String scope) {
        String now = forbidden(current, scope);
        State before = previous;
        return now == null || before != null && forbidden(before, scope) == null ? null : now;
    }

    private static String forbidden(State state, String scope) {
        if (state.region() == null) {
            return "the region is malformed";
        }
        RegionPolicy policy = state.policies().get(state.region());
        if (policy == null) {
            return "region " + state.region() + " has no policy";
        }
        if (!policy.allows(scope)) {
            return "scope " + scope + " not allowed in " + state.region();
        }
        if (!state.trusted().contains(scope)) {
            return "the signer is not trusted for " + scope;
        }
        if (policy.requiresConsent(scope) && !state.consents().contains(scope)) {
            return "no consent for " + scope;
        }
        return null;
    }

    private final class Request implements StreamListener {
        final AtomicInteger completions = new AtomicInteger();
        volatile StreamHandle handle;
        volatile Completion end;

        @Override
        public void onText(String delta) {
        }

        @Override
        public void onComplete(Completion completion) {
            completions.incrementAndGet();
            end = completion;
        }
    }

    /** A provider of this bundle whose streams wait for the walk; the oracle runs as each attempt starts. */
    private final class Held implements ModelProvider {
        final String id;
        final String scope;
        final List<ProviderStream> open = new ArrayList<>();
        volatile Availability availability = Availability.AVAILABLE;
        ServiceRegistration<ModelProvider> registration;
        long serviceId;

        Held(String id, String scope) {
            this.id = id;
            this.scope = scope;
        }

        void register() {
            Dictionary<String, Object> properties = new Hashtable<>();
            properties.put(ProviderProperties.ID, id);
            properties.put(ProviderProperties.SCOPE, scope);
            registration = context.registerService(ModelProvider.class, this, properties);
            serviceId = (Long) registration.getReference().getProperty("service.id");
        }

        @Override
        public Availability availability() {
            return availability;
        }

        @Override
        public synchronized StreamHandle stream(ChatRequest request, StreamListener listener) {
            String why = forbidden(scope);
            if (why != null) {
                violations.add("step " + step + ": " + id + " (" + scope + ") got an attempt although " + why);
            }
            if (!providers.contains(this)) {
                violations.add("step " + step + ": " + id + " got an attempt after it was unregistered");
            }
            ProviderStream stream = new ProviderStream(listener, id, scope, id);
            open.add(stream);
            return stream;
        }

        synchronized boolean hasOpen() {
            open.removeIf(ProviderStream::isDone);
            return !open.isEmpty();
        }

        void answerOldest() {
            ProviderStream stream;
            synchronized (this) {
                stream = open.remove(0);
            }
            stream.text("ok");
            stream.complete(FinishReason.STOP, null);
        }

        void failOldest(ErrorKind kind, int tokens) {
            ProviderStream stream;
            synchronized (this) {
                stream = open.remove(0);
            }
            for (int i = 0; i < tokens; i++) {
                stream.text("t");
            }
            stream.fail(new ModelException(kind, "walk"), null);
        }

        void answerAll() {
            while (hasOpen()) {
                answerOldest();
            }
        }

        void closeAll() {
            List<ProviderStream> all;
            synchronized (this) {
                all = new ArrayList<>(open);
                open.clear();
            }
            all.forEach(stream -> stream.close("walk: unregistered"));
        }
    }
}
