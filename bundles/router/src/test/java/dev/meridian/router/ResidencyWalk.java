package dev.meridian.router;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

import dev.meridian.api.Availability;
import dev.meridian.api.ChatRequest;
import dev.meridian.api.Completion;
import dev.meridian.api.Consent;
import dev.meridian.api.ErrorKind;
import dev.meridian.api.StreamHandle;
import dev.meridian.api.StreamListener;
import dev.meridian.api.provider.ProviderStream;
import dev.meridian.api.routing.RegionPolicy;
import dev.meridian.api.routing.RegionSetting;
import dev.meridian.api.routing.RegionSetting.Source;

/**
 * The residency property, attacked by a seeded random walk over the router core: region changes (malformed and
 * policy-less ones included), policies added, updated, removed and re-ranked, trust and consent changes, providers
 * registering, leaving and changing availability, and requests that succeed, fail before or after their first
 * token, retry-safe or not, or are cancelled, many in flight at once.
 *
 * <p>
 * The oracle keeps its own model of the state and checks, at the moment each attempt starts (inside the provider's
 * {@code stream}), that the provider's scope is allowed by the policy in force, its signer trusted for that scope,
 * consent given where asked, and that it is available; that a new request goes first to the provider the model
 * orders first, or fails at once when the model has none; and that every request ends exactly once.
 */
final class ResidencyWalk {
    private static final List<String> REGIONS = List.of("CN", "GLOBAL", "EU");
    private static final List<String> SCOPES = List.of("device", "cn-mainland", "global", "eu", "intl");
    private static final List<String> IDS = List.of("local", "qwen", "openai", "openai-2", "eu-1", "rogue");
    private static final String SIGNER_A = "a".repeat(64);
    private static final String SIGNER_B = "b".repeat(64);
    private static final List<BundleSignature> SIGNATURES = List.of(BundleSignature.UNSIGNED,
            BundleSignature.signedBy(Set.of(SIGNER_A)), BundleSignature.signedBy(Set.of(SIGNER_B)),
            BundleSignature.signedBy(Set.of(SIGNER_A, SIGNER_B)), BundleSignature.broken("changed after signing"));
    private static final int MAX_IN_FLIGHT = 24;
    private static final int MAX_PROVIDERS = 12;
    private static final int MAX_POLICIES = 8;

    /** The model's view of one registered provider. */
    private record Registered(WalkProvider provider, ProviderEntry entry) {
    }

    /** The model's trust: signers per scope and scopes open to unsigned bundles; {@code null} when unreadable. */
    private record TrustModel(Map<String, Set<String>> signers, Set<String> unsigned) {
    }

    private record Ranked(RegionPolicy policy, int ranking, long sourceId) {
    }

    private final Random random;
    private final Router router;
    final List<String> violations = new ArrayList<>();
    private int step;

    // the model
    private RegionSetting region = RegionSetting.of("GLOBAL", Source.DEFAULT);
    private final Map<Long, Ranked> policies = new HashMap<>();
    private final Map<Long, Registered> providers = new TreeMap<>();
    private TrustModel trust;
    private final Map<String, Consent> consents = new HashMap<>();
    final List<Request> requests = new ArrayList<>();
    private long nextServiceId = 1;
    private long nextSourceId = 1;
    long attempts;
    long served;
    private int ended;

    ResidencyWalk(long seed) {
        this.random = new Random(seed);
        this.router = new Router(region);
    }

    void run(int steps) {
        for (step = 0; step < steps; step++) {
            int dice = random.nextInt(100);
            if (dice < 4) {
                changeRegion();
            } else if (dice < 10 && policies.size() < MAX_POLICIES) {
                putPolicy();
            } else if (dice < 12) { // also when the policies are at their bound
                removeAny(policies.keySet(), id -> {
                    policies.remove(id);
                    router.removePolicy(id);
                });
            } else if (dice < 16 && providers.size() < MAX_PROVIDERS) {
                register();
            } else if (dice < 18) { // also when the providers are at their bound
                removeAny(providers.keySet(), id -> {
                    router.removeProvider(id); // unregistered first, then it drains, as a provider's deactivation does
                    providers.remove(id).provider().drain(random.nextBoolean());
                });
            } else if (dice < 24) {
                changeAvailability();
            } else if (dice < 27) {
                changeTrust();
            } else if (dice < 30) {
                changeConsent();
            } else if (dice < 60 && inFlight() < MAX_IN_FLIGHT) {
                startRequest();
            } else {
                progress();
            }
        }
        // drain: everything still open answers, so every request must end
        for (Registered registered : providers.values()) {
            registered.provider().answerAll();
        }
        for (Request request : requests) {
            request.handle.cancel(); // ends those waiting on providers that left the model
        }
        for (Request request : requests) {
            if (request.completions != 1) {
                violations.add("request " + request.number + " ended " + request.completions + " times");
            }
        }
        assertEquals(0, inFlight(), "requests still open after the drain");
    }

    private int inFlight() {
        return requests.size() - ended;
    }

    private <T> void removeAny(Set<T> keys, java.util.function.Consumer<T> remove) {
        if (!keys.isEmpty()) {
            remove.accept(pick(new ArrayList<>(keys)));
        }
    }

    private <T> T pick(List<T> values) {
        return values.get(random.nextInt(values.size()));
    }

    private <T> List<T> subset(List<T> values) {
        List<T> result = new ArrayList<>();
        for (T value : values) {
            if (random.nextBoolean()) {
                result.add(value);
            }
        }
        return result;
    }

    // ---- changes ----

    private void changeRegion() {
        int dice = random.nextInt(10);
        if (dice == 0) {
            region = RegionResolver.resolve(pick(List.of("C N", "", new String[] { "CN" }, 7)), "GLOBAL", null, "GLOBAL");
        } else if (dice == 1) {
            region = RegionSetting.of("MARS", Source.CONFIGURATION); // well-formed, no policy
        } else {
            region = RegionSetting.of(pick(REGIONS), pick(List.of(Source.values()).subList(0, 4)));
        }
        router.setRegion(region);
    }

    private void putPolicy() {
        long sourceId = !policies.isEmpty() && random.nextBoolean() ? pick(new ArrayList<>(policies.keySet()))
                : nextSourceId++;
        List<String> scopes = subset(SCOPES);
        if (scopes.isEmpty()) {
            scopes = List.of(pick(SCOPES));
        }
        List<String> preference = new ArrayList<>(new LinkedHashSet<>(subset(IDS)));
        java.util.Collections.shuffle(preference, random);
        List<String> consent = subset(scopes);
        RegionPolicy policy = new RegionPolicy(pick(REGIONS), scopes, preference, consent,
                random.nextBoolean() ? "label" : null);
        int ranking = random.nextInt(5) - 2;
        policies.put(sourceId, new Ranked(policy, ranking, sourceId));
        router.putPolicy(sourceId, ranking, policy);
    }

    private void register() {
        String id = pick(IDS);
        String scope = pick(SCOPES);
        WalkProvider provider = new WalkProvider(id, scope);
        BundleSignature signature = random.nextBoolean() ? SIGNATURES.get(1) : pick(SIGNATURES);
        ProviderEntry entry = new ProviderEntry(provider, id, scope, List.of(), random.nextInt(3) - 1,
                nextServiceId++, "walk", signature);
        provider.serviceId = entry.serviceId();
        providers.put(entry.serviceId(), new Registered(provider, entry));
        router.addProvider(entry);
    }

    private void changeAvailability() {
        if (!providers.isEmpty()) {
            WalkProvider provider = pick(new ArrayList<>(providers.values())).provider();
            provider.availability = random.nextInt(3) == 0
                    ? Availability.of(pick(List.of(Availability.State.values()).subList(1, 7)), "walk")
                    : Availability.AVAILABLE;
        }
    }

    private void changeTrust() {
        if (random.nextInt(6) == 0) {
            trust = null;
            router.setTrust(TrustPolicy.unreadable("walk: unreadable"));
            return;
        }
        Map<String, Set<String>> signers = new HashMap<>();
        if (random.nextInt(3) > 0) { // mostly the usual: one signer trusted for every scope
            SCOPES.forEach(scope -> signers.put(scope, Set.of(SIGNER_A)));
        }
        for (String scope : subset(SCOPES)) {
            signers.put(scope, Set.copyOf(pick(List.of(List.of(SIGNER_A), List.of(SIGNER_B),
                    List.of(SIGNER_A, SIGNER_B)))));
        }
        Set<String> unsigned = Set.copyOf(random.nextInt(3) == 0 ? subset(SCOPES) : List.of());
        trust = new TrustModel(signers, unsigned);
        router.setTrust(TrustPolicy.of(signers, unsigned));
    }

    private void changeConsent() {
        String scope = pick(SCOPES);
        if (consents.remove(scope) == null) {
            consents.put(scope, new Consent(scope, Instant.ofEpochSecond(step)));
        }
        router.setConsents(consents);
    }

    // ---- requests ----

    private void startRequest() {
        String pinned = random.nextInt(8) == 0 ? pick(IDS) : null;
        Request request = new Request(requests.size(), pinned);
        requests.add(request);
        WalkProvider expected = expectedFirst(pinned);
        starting = request;
        request.handle = router.stream(ChatRequest.of("walk").withProvider(pinned), request);
        starting = null;
        if (expected == null) {
            if (request.completions != 1 || request.end.error() == null) {
                violations.add(at() + "request " + request.number + " had no eligible provider in the model but did"
                        + " not fail at once");
            }
        } else if (request.firstProvider != expected) {
            violations.add(at() + "request " + request.number + " went first to "
                    + (request.firstProvider == null ? "nobody" : request.firstProvider) + ", the model says "
                    + expected);
        }
        if (random.nextInt(20) == 0) {
            request.handle.cancel();
        }
    }

    private void progress() {
        List<WalkProvider> busy = new ArrayList<>();
        for (Registered registered : providers.values()) {
            if (registered.provider().hasOpen()) {
                busy.add(registered.provider());
            }
        }
        if (busy.isEmpty()) {
            return;
        }
        WalkProvider provider = pick(busy);
        int dice = random.nextInt(10);
        if (dice < 4) {
            provider.answerOldest();
        } else if (dice < 7) {
            provider.failOldest(pick(List.of(ErrorKind.values())), 0); // before the first token
        } else if (dice < 9) {
            provider.failOldest(pick(List.of(ErrorKind.values())), 1 + random.nextInt(2)); // after it
        } else {
            Request request = pick(requests);
            request.handle.cancel();
        }
    }

    /** The provider the model says a new request goes to first, or {@code null} when none may serve it. */
    private WalkProvider expectedFirst(String pinned) {
        return providers.values().stream().filter(r -> admissible(r.entry()) == null)
                .filter(r -> pinned == null || pinned.equals(r.entry().id()))
                .filter(r -> r.provider().availability.isAvailable()).min(order()).map(Registered::provider)
                .orElse(null);
    }

    private Comparator<Registered> order() {
        RegionPolicy policy = policyInForce();
        return Comparator.<Registered>comparingInt(r -> {
            int index = policy.preference().indexOf(r.entry().id());
            return index < 0 ? Integer.MAX_VALUE : index;
        }).thenComparing(r -> -r.entry().ranking()).thenComparingLong(r -> r.entry().serviceId());
    }

    /** The policy the model says is in force: the active region's highest-ranked, then oldest; or none. */
    private RegionPolicy policyInForce() {
        if (region.isInvalid()) {
            return null;
        }
        return policies.values().stream().filter(p -> p.policy().region().equals(region.region()))
                .min(Comparator.comparingInt((Ranked p) -> -p.ranking()).thenComparingLong(Ranked::sourceId))
                .map(Ranked::policy).orElse(null);
    }

    /** Why the model forbids {@code entry} to serve now, apart from availability; {@code null} if it may. */
    private String admissible(ProviderEntry entry) {
        RegionPolicy policy = policyInForce();
        if (policy == null) {
            return "region " + region + " has no readable policy";
        }
        if (!policy.scopes().contains(entry.scope())) {
            return "scope " + entry.scope() + " not allowed in " + policy.region() + " " + policy.scopes();
        }
        if (!trusted(entry)) {
            return "bundle " + entry.signature() + " not trusted for " + entry.scope() + " by " + trust;
        }
        if (policy.consentRequired().contains(entry.scope()) && !consents.containsKey(entry.scope())) {
            return "no consent for " + entry.scope();
        }
        return null;
    }

    private boolean trusted(ProviderEntry entry) {
        if (trust == null) {
            return false;
        }
        BundleSignature signature = entry.signature();
        return switch (signature.status()) {
            case UNSIGNED -> trust.unsigned().contains(entry.scope());
            case BROKEN -> false;
            case SIGNED -> {
                Set<String> allowed = new HashSet<>(trust.signers().getOrDefault(entry.scope(), Set.of()));
                allowed.retainAll(signature.signers());
                yield !allowed.isEmpty();
            }
        };
    }

    private String at() {
        return "step " + step + ": ";
    }

    /** The oracle at the start of every attempt. */
    private void attemptStarts(WalkProvider provider, ChatRequest request) {
        attempts++;
        Registered registered = providers.get(provider.serviceId);
        if (registered == null) {
            violations.add(at() + provider + " got an attempt after it left");
            return;
        }
        String why = admissible(registered.entry());
        if (why != null) {
            violations.add(at() + provider + " got an attempt although " + why);
        }
        if (!provider.availability.isAvailable()) {
            violations.add(at() + provider + " got an attempt while " + provider.availability);
        }
        if (starting != null && starting.firstProvider == null) {
            starting.firstProvider = provider;
        }
        if (request.provider() != null && !request.provider().equals(provider.id)) {
            violations.add(at() + "request pinned to " + request.provider() + " went to " + provider);
        }
    }

    private Request starting; // the request whose first stream() call is running, while it runs

    private final class Request implements StreamListener {
        final int number;
        final String pinned;
        StreamHandle handle;
        WalkProvider firstProvider;
        int completions;
        Completion end;

        Request(int number, String pinned) {
            this.number = number;
            this.pinned = pinned;
        }

        @Override
        public void onText(String delta) {
            if (completions > 0) {
                violations.add(at() + "request " + number + " got text after its completion");
            }
        }

        @Override
        public void onComplete(Completion completion) {
            completions++;
            if (completions == 1) {
                ended++;
            }
            end = completion;
            if (completion.error() == null) {
                served++;
            }
            if (completion.label() == null) {
                violations.add(at() + "request " + number + " ended without a label");
            }
        }
    }

    /** A provider whose streams wait for the walk; it tells the oracle when each attempt starts. */
    private final class WalkProvider implements dev.meridian.api.ModelProvider {
        final String id;
        final String scope;
        final List<ProviderStream> open = new ArrayList<>();
        volatile Availability availability = Availability.AVAILABLE;
        long serviceId;

        WalkProvider(String id, String scope) {
            this.id = id;
            this.scope = scope;
        }

        @Override
        public Availability availability() {
            return availability;
        }

        @Override
        public StreamHandle stream(ChatRequest request, StreamListener listener) {
            attemptStarts(this, request);
            ProviderStream stream = new ProviderStream(listener, id, scope, id);
            open.add(stream);
            return stream;
        }

        boolean hasOpen() {
            open.removeIf(ProviderStream::isDone);
            return !open.isEmpty();
        }

        void answerOldest() {
            ProviderStream stream = open.remove(0);
            stream.text("ok");
            stream.complete(dev.meridian.api.FinishReason.STOP, null);
        }

        void failOldest(ErrorKind kind, int tokens) {
            ProviderStream stream = open.remove(0);
            for (int i = 0; i < tokens; i++) {
                stream.text("t");
            }
            stream.fail(new dev.meridian.api.ModelException(kind, "walk"), null);
        }

        /** Finishes what it serves, or closes it as a deactivation past its drain time does. */
        void drain(boolean finish) {
            while (hasOpen()) {
                if (finish) {
                    answerOldest();
                } else {
                    open.remove(0).close("walk: provider left");
                }
            }
        }

        void answerAll() {
            while (hasOpen()) {
                answerOldest();
            }
        }

        @Override
        public String toString() {
            return id + "#" + serviceId + "(" + scope + ")";
        }
    }
}
