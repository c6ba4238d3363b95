package dev.meridian.router;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.meridian.api.Availability;
import dev.meridian.api.ChatRequest;
import dev.meridian.api.Consent;
import dev.meridian.api.ModelException;
import dev.meridian.api.ModelProvider;
import dev.meridian.api.StreamHandle;
import dev.meridian.api.StreamListener;
import dev.meridian.api.routing.ProviderStats;
import dev.meridian.api.routing.ProviderStatus;
import dev.meridian.api.routing.RegionPolicy;
import dev.meridian.api.routing.RegionSetting;
import dev.meridian.api.routing.TrustSettings;

/**
 * The routing core, free of OSGi so it can be unit-tested, walked at random and benchmarked alone.
 *
 * <p>
 * A provider may serve an attempt when the active region has a readable policy that allows its scope, its bundle's
 * signer is trusted for that scope, the user consented where the policy asks for it, and it is available. Order =
 * the policy's preference, then {@code service.ranking} (highest first), then {@code service.id} (oldest first).
 * Every attempt, the first and each fallback, is admitted against the policy in force when it starts
 * ({@link #next}); when none may serve, the request fails closed with {@code unavailable(region-blocked)} and a
 * provider of a scope the region does not allow is never tried.
 *
 * <p>
 * Changes (providers, policies, region, trust, consent) rebuild an immutable {@link Snapshot} under a lock; requests
 * read the current snapshot without locking. Several policies for one region: the highest {@code service.ranking}
 * wins, then the oldest; this is the one place that decides it.
 */
public final class Router implements ModelProvider, Attempts {
    private static final Logger LOG = LoggerFactory.getLogger(Router.class);

    /** A provider allowed by scope under the active policy, and what else the policy says about it. */
    private record Candidate(ProviderEntry entry, String refusal, Consent consent) {
    }

    /** What requests need, precomputed under the policy in force. */
    private record Snapshot(RegionSetting region, RegionPolicy policy, List<Candidate> ordered,
            Map<Long, TrustPolicy.Decision> trust) {
    }

    /** A policy as configured, and what orders it against others for the same region. */
    private record RankedPolicy(RegionPolicy policy, int ranking, long sourceId) {
    }

    /**
     * A provider that could serve when it unregistered: until the swap wait is over, its next revision may come.
     * {@code shape} is its entry without the provider object, which would keep the old revision's class loader.
     */
    private record Departure(ProviderEntry shape, long nanos) {
    }

    private final Map<Long, ProviderEntry> providers = new ConcurrentHashMap<>();
    private final Map<String, ProviderCounters> counters = new ConcurrentHashMap<>();
    private final Object changes = new Object();
    private final Map<Long, RankedPolicy> policySources = new HashMap<>(); // guarded by changes
    private final Map<Long, String> announcedRefusals = new HashMap<>(); // guarded by changes
    private Map<String, RegionPolicy> policies = Map.of(); // guarded by changes
    private RegionSetting region; // guarded by changes
    private TrustPolicy trust = TrustPolicy.NONE; // guarded by changes
    private Map<String, Consent> consents = Map.of(); // guarded by changes
    private final List<Departure> departures = new ArrayList<>(); // guarded by changes
    private final Map<RoutedStream, ChatRequest> waiting = new ConcurrentHashMap<>();
    private final Duration swapWait;
    private final ScheduledExecutorService timer; // null when requests never wait for a swap
    private volatile boolean closed;
    private volatile Snapshot snapshot;

    /**
     * @param swapWait how long a request waits for the next revision of a provider that could serve it and just
     *                 unregistered (a bundle update), instead of failing; zero never waits
     */
    public Router(RegionSetting region, Duration swapWait) {
        this.region = Objects.requireNonNull(region, "region");
        this.swapWait = swapWait;
        if (swapWait.isZero()) {
            this.timer = null;
        } else {
            ScheduledThreadPoolExecutor pool = new ScheduledThreadPoolExecutor(1, r -> {
                Thread thread = new Thread(r, "meridian-swap-wait");
                thread.setDaemon(true);
                return thread;
            });
            pool.setRemoveOnCancelPolicy(true);
            pool.prestartCoreThread(); // its one thread from the start, not on the first wait
            this.timer = pool;
        }
        rebuild();
    }

    public Router(RegionSetting region) {
        this(region, Duration.ZERO);
    }

    /** A router whose region came from the default (tests, benchmarks). */
    public Router(String region) {
        this(RegionSetting.of(region, RegionSetting.Source.DEFAULT));
    }

    /** Stops the swap-wait timer; requests still waiting end now. */
    public void close() {
        closed = true;
        if (timer != null) {
            timer.shutdownNow();
        }
        for (RoutedStream stream : List.copyOf(waiting.keySet())) {
            if (waiting.remove(stream) != null) {
                stream.tryNext();
            }
        }
    }

    // ---- changes, called by the DS component (or a test) ----

    public void addProvider(ProviderEntry entry) {
        synchronized (changes) {
            providers.put(entry.serviceId(), entry);
            rebuild();
        }
        wake();
    }

    public void removeProvider(long serviceId) {
        synchronized (changes) {
            ProviderEntry entry = providers.get(serviceId);
            if (entry == null) {
                return;
            }
            if (timer != null && snapshot.ordered().stream()
                    .anyMatch(c -> c.entry().serviceId() == serviceId && c.refusal() == null)) {
                long now = System.nanoTime();
                departures.removeIf(d -> now - d.nanos() > swapWait.toNanos()); // years of updates: keep it small
                departures.add(new Departure(entry.withoutProvider(), now));
            }
            providers.remove(serviceId);
            announcedRefusals.remove(serviceId);
            rebuild();
        }
    }

    /** Adds or replaces one configured policy; {@code null} while its configuration was never readable. */
    public void putPolicy(long sourceId, int ranking, RegionPolicy policy) {
        synchronized (changes) {
            if (policy == null) {
                policySources.remove(sourceId);
            } else {
                policySources.put(sourceId, new RankedPolicy(policy, ranking, sourceId));
            }
            publishPolicies();
        }
        wake();
    }

    public void removePolicy(long sourceId) {
        synchronized (changes) {
            if (policySources.remove(sourceId) != null) {
                publishPolicies();
            }
        }
        wake(); // a lower-ranked policy of the region may allow more
    }

    /** Replaces every policy; where two name one region, the first wins (tests, benchmarks). */
    public void setPolicies(Collection<RegionPolicy> values) {
        synchronized (changes) {
            policySources.clear();
            long sourceId = 0;
            for (RegionPolicy policy : values) {
                sourceId++;
                policySources.put(sourceId, new RankedPolicy(policy, 0, sourceId)); // same ranking: oldest first
            }
            publishPolicies();
        }
        wake();
    }

    private void publishPolicies() {
        Map<String, RegionPolicy> byRegion = new TreeMap<>();
        policySources.values().stream()
                .sorted(Comparator.comparingInt(RankedPolicy::ranking).reversed()
                        .thenComparingLong(RankedPolicy::sourceId))
                .forEach(ranked -> byRegion.putIfAbsent(ranked.policy().region(), ranked.policy()));
        policies = Map.copyOf(byRegion);
        rebuild();
    }

    public void setRegion(RegionSetting value) {
        synchronized (changes) {
            region = Objects.requireNonNull(value, "region");
            rebuild();
        }
        wake();
    }

    public void setTrust(TrustPolicy value) {
        synchronized (changes) {
            trust = Objects.requireNonNull(value, "trust");
            rebuild();
        }
        wake();
    }

    public void setConsents(Map<String, Consent> value) {
        synchronized (changes) {
            consents = Map.copyOf(value);
            rebuild();
        }
        wake();
    }

    private void rebuild() {
        Map<Long, TrustPolicy.Decision> decisions = new HashMap<>();
        for (ProviderEntry entry : providers.values()) {
            TrustPolicy.Decision decision = trust.decide(entry.scope(), entry.signature());
            decisions.put(entry.serviceId(), decision);
            announce(entry, decision);
        }
        RegionPolicy policy = region.isInvalid() ? null : policies.get(region.region());
        List<Candidate> ordered = policy == null ? List.of()
                : providers.values().stream().filter(p -> policy.allows(p.scope())).sorted(order(policy))
                        .map(p -> candidate(p, policy, decisions.get(p.serviceId()))).toList();
        snapshot = new Snapshot(region, policy, ordered, Map.copyOf(decisions));
    }

    private Candidate candidate(ProviderEntry entry, RegionPolicy policy, TrustPolicy.Decision decision) {
        if (!decision.trusted()) {
            return new Candidate(entry, decision.text(), null);
        }
        if (!policy.requiresConsent(entry.scope())) {
            return new Candidate(entry, null, null);
        }
        Consent consent = consents.get(entry.scope());
        return consent == null ? new Candidate(entry, ModelException.CONSENT_REQUIRED, null)
                : new Candidate(entry, null, consent);
    }

    /** Logs a refused provider once, not on every request. */
    private void announce(ProviderEntry entry, TrustPolicy.Decision decision) {
        String refusal = decision.trusted() ? "" : decision.text();
        String before = announcedRefusals.put(entry.serviceId(), refusal);
        if (refusal.equals(before)) {
            return;
        }
        if (!refusal.isEmpty() && trust == TrustPolicy.NONE) {
            // no trust configuration (yet, at start-up): TrustComponent says so once, not once per provider
            LOG.debug("Provider {} (scope {}, {}) will not serve: {}", entry.id(), entry.scope(), entry.bundle(),
                    refusal);
        } else if (!refusal.isEmpty()) {
            LOG.warn("Provider {} (scope {}, {}) will not serve: {}", entry.id(), entry.scope(), entry.bundle(),
                    refusal);
        } else if (before != null) {
            LOG.debug("Provider {} (scope {}, {}) is now {}", entry.id(), entry.scope(), entry.bundle(),
                    decision.text());
        }
    }

    private static Comparator<ProviderEntry> order(RegionPolicy policy) {
        List<String> preference = policy.preference();
        return Comparator.<ProviderEntry>comparingInt(p -> {
            int index = preference.indexOf(p.id());
            return index < 0 ? Integer.MAX_VALUE : index;
        }).thenComparing(Comparator.comparingInt(ProviderEntry::ranking).reversed())
                .thenComparingLong(ProviderEntry::serviceId);
    }

    // ---- the routed ModelProvider ----

    @Override
    public Availability availability() {
        Snapshot current = snapshot;
        if (current.policy() == null) {
            return Availability.of(Availability.State.REGION_BLOCKED, noPolicy(current));
        }
        for (Candidate candidate : current.ordered()) {
            if (candidate.refusal() == null && isAvailable(candidate.entry())) {
                return Availability.AVAILABLE;
            }
        }
        return Availability.of(Availability.State.REGION_BLOCKED, "no provider of scopes "
                + current.policy().scopes() + " may serve in region " + current.region().region() + " now");
    }

    @Override
    public StreamHandle stream(ChatRequest request, StreamListener listener) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(listener, "listener");
        RoutedStream stream = new RoutedStream(this, request, listener);
        stream.tryNext();
        return stream;
    }

    // ---- Attempts: what a routed stream asks before each attempt ----

    @Override
    public Admission next(ChatRequest request, Set<Long> tried) {
        Snapshot current = snapshot;
        for (Candidate candidate : current.ordered()) {
            ProviderEntry entry = candidate.entry();
            if (candidate.refusal() == null && matches(entry, request) && !tried.contains(entry.serviceId())
                    && isAvailable(entry)) {
                return new Admission(entry, current.region().region(), candidate.consent(), current.policy().label());
            }
        }
        return null;
    }

    private static boolean matches(ProviderEntry entry, ChatRequest request) {
        return (request.provider() == null || request.provider().equals(entry.id())) && entry.serves(request.model());
    }

    @Override
    public String region() {
        return snapshot.region().name();
    }

    @Override
    public boolean awaitSwap(ChatRequest request, RoutedStream stream) {
        if (timer == null || closed) {
            return false;
        }
        long latest;
        synchronized (changes) {
            long now = System.nanoTime();
            departures.removeIf(d -> now - d.nanos() > swapWait.toNanos());
            RegionPolicy policy = snapshot.policy();
            latest = departures.stream().filter(d -> policy != null && policy.allows(d.shape().scope())
                    && matches(d.shape(), request)).mapToLong(Departure::nanos).max().orElse(Long.MIN_VALUE);
            if (latest == Long.MIN_VALUE) {
                return false;
            }
            waiting.put(stream, request);
        }
        long delay = latest + swapWait.toNanos() - System.nanoTime();
        try {
            timer.schedule(() -> {
                if (waiting.remove(stream) != null) {
                    stream.tryNext(); // the wait is over: it ends, unless a provider came meanwhile
                }
            }, Math.max(0, delay), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            waiting.remove(stream);
            return false; // closed meanwhile
        }
        return true;
    }

    /** Sends the waiting requests that a provider may now serve on their way (outside the lock: they start). */
    private void wake() {
        if (waiting.isEmpty()) {
            return;
        }
        for (Map.Entry<RoutedStream, ChatRequest> entry : List.copyOf(waiting.entrySet())) {
            if ((entry.getKey().finished() || next(entry.getValue(), Set.of()) != null)
                    && waiting.remove(entry.getKey()) != null) {
                entry.getKey().tryNext();
            }
        }
    }

    @Override
    public ModelException noneEligible(ChatRequest request) {
        Snapshot current = snapshot;
        if (current.policy() == null) {
            return ModelException.unavailable(ModelException.REGION_BLOCKED,
                    "no eligible provider: " + noPolicy(current));
        }
        StringBuilder why = new StringBuilder("no eligible provider in region ").append(current.region().region())
                .append(" (allowed scopes ").append(current.policy().scopes());
        if (request.provider() != null) {
            why.append(", provider ").append(request.provider());
        }
        if (request.model() != null) {
            why.append(", model ").append(request.model());
        }
        why.append(")");
        List<String> states = new ArrayList<>();
        boolean consentMissing = false;
        for (ProviderEntry entry : providers.values()) {
            String state;
            if (!current.policy().allows(entry.scope())) {
                state = "scope " + entry.scope() + " not allowed";
            } else {
                Candidate candidate = current.ordered().stream().filter(c -> c.entry() == entry).findFirst()
                        .orElse(null);
                state = candidate != null && candidate.refusal() != null ? candidate.refusal()
                        : availability(entry).toString();
                consentMissing |= candidate != null && ModelException.CONSENT_REQUIRED.equals(candidate.refusal())
                        && matches(entry, request);
            }
            states.add(entry.id() + ": " + state);
        }
        why.append(states.isEmpty() ? "; no provider is registered" : "; " + String.join("; ", states));
        return ModelException.unavailable(consentMissing ? ModelException.CONSENT_REQUIRED
                : ModelException.REGION_BLOCKED, why.toString());
    }

    private String noPolicy(Snapshot current) {
        return current.region().isInvalid()
                ? "the stored active region cannot be read (" + current.region().problem()
                        + "); every request is refused until a valid region is set"
                : "no policy names region " + current.region().region() + " (known: " + policies().keySet() + ")";
    }

    /** A provider's own word on whether it can serve; one that throws cannot. */
    static boolean isAvailable(ProviderEntry entry) {
        return availability(entry).isAvailable();
    }

    @Override
    public ProviderCounters counters(String providerId) {
        return counters.computeIfAbsent(providerId, id -> new ProviderCounters());
    }

    // ---- the read side of Routing ----

    public String activeRegion() {
        return snapshot.region().name();
    }

    public RegionSetting regionSetting() {
        return snapshot.region();
    }

    public Optional<RegionPolicy> activePolicy() {
        return Optional.ofNullable(snapshot.policy());
    }

    public Map<String, RegionPolicy> policies() {
        synchronized (changes) {
            return policies;
        }
    }

    public Map<String, Consent> consents() {
        synchronized (changes) {
            return consents;
        }
    }

    public TrustSettings trust() {
        synchronized (changes) {
            return trust.settings();
        }
    }

    /** Every provider: the allowed ones in routing order, then the others by id. */
    public List<ProviderStatus> providers() {
        Snapshot current = snapshot;
        Map<Long, ProviderStatus> result = new LinkedHashMap<>();
        for (Candidate candidate : current.ordered()) {
            result.put(candidate.entry().serviceId(), status(current, candidate.entry(), candidate.refusal()));
        }
        String notAllowed = current.policy() == null ? noPolicy(current) : null;
        providers.values().stream().sorted(Comparator.comparing(ProviderEntry::id))
                .filter(entry -> !result.containsKey(entry.serviceId()))
                .forEach(entry -> result.put(entry.serviceId(), status(current, entry, notAllowed != null ? notAllowed
                        : "scope " + entry.scope() + " not allowed in " + current.region().region())));
        return List.copyOf(result.values());
    }

    private ProviderStatus status(Snapshot current, ProviderEntry entry, String refusal) {
        TrustPolicy.Decision decision = current.trust().get(entry.serviceId());
        String trustText = decision == null ? "unknown" : decision.text();
        return new ProviderStatus(entry.id(), entry.scope(), entry.models(), entry.ranking(), entry.serviceId(),
                entry.bundle(), availability(entry), refusal == null, counters(entry.id()).snapshot(), trustText,
                refusal);
    }

    /** A provider's availability; one whose availability() throws is failed. */
    static Availability availability(ProviderEntry entry) {
        try {
            return entry.provider().availability();
        } catch (RuntimeException e) {
            return Availability.of(Availability.State.FAILED, "availability() threw " + e);
        }
    }

    /** Counters of every provider id seen since start, including ones no longer registered. */
    public Map<String, ProviderStats> stats() {
        return counters.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey,
                e -> e.getValue().snapshot(), (a, b) -> a, TreeMap::new));
    }
}
