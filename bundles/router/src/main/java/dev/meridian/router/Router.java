package dev.meridian.router;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import dev.meridian.api.Availability;
import dev.meridian.api.ChatRequest;
import dev.meridian.api.ModelException;
import dev.meridian.api.ModelProvider;
import dev.meridian.api.StreamHandle;
import dev.meridian.api.StreamListener;
import dev.meridian.api.routing.ProviderStats;
import dev.meridian.api.routing.ProviderStatus;
import dev.meridian.api.routing.RegionPolicy;

/**
 * The routing core, free of OSGi so it can be unit-tested and benchmarked alone.
 *
 * <p>
 * Eligible = the provider's scope is allowed by the active region's policy AND it is available. Order = the
 * policy's preference, then {@code service.ranking} (highest first), then {@code service.id} (oldest first). When
 * none is eligible the request fails closed with {@code unavailable(region-blocked)}; a provider of a scope the
 * region does not allow is never tried.
 *
 * <p>
 * Changes (providers, policies, region) rebuild an immutable {@link Snapshot} under a lock; requests read the
 * current snapshot without locking.
 */
public final class Router implements ModelProvider {

    /** What a request needs, precomputed: the active policy and its allowed providers in order. */
    private record Snapshot(String region, RegionPolicy policy, List<ProviderEntry> ordered) {
    }

    private final Map<Long, ProviderEntry> providers = new ConcurrentHashMap<>();
    private final Map<String, ProviderCounters> counters = new ConcurrentHashMap<>();
    private final Object changes = new Object();
    private Map<String, RegionPolicy> policies = Map.of(); // guarded by changes
    private String region; // guarded by changes
    private volatile Snapshot snapshot;

    public Router(String region) {
        this.region = Objects.requireNonNull(region, "region");
        this.snapshot = new Snapshot(region, null, List.of());
    }

    // ---- changes, called by the DS component (or a test) ----

    public void addProvider(ProviderEntry entry) {
        synchronized (changes) {
            providers.put(entry.serviceId(), entry);
            rebuild();
        }
    }

    public void removeProvider(long serviceId) {
        synchronized (changes) {
            if (providers.remove(serviceId) != null) {
                rebuild();
            }
        }
    }

    public void setPolicies(Collection<RegionPolicy> values) {
        Map<String, RegionPolicy> byRegion = new TreeMap<>();
        for (RegionPolicy policy : values) {
            byRegion.putIfAbsent(policy.region(), policy);
        }
        synchronized (changes) {
            policies = Map.copyOf(byRegion);
            rebuild();
        }
    }

    public void setRegion(String value) {
        synchronized (changes) {
            region = Objects.requireNonNull(value, "region");
            rebuild();
        }
    }

    private void rebuild() {
        RegionPolicy policy = policies.get(region);
        List<ProviderEntry> ordered = policy == null ? List.of()
                : providers.values().stream().filter(p -> policy.allows(p.scope()))
                        .sorted(order(policy)).toList();
        snapshot = new Snapshot(region, policy, ordered);
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
            return Availability.of(Availability.State.REGION_BLOCKED, "no policy for region " + current.region());
        }
        for (ProviderEntry entry : current.ordered()) {
            if (isAvailable(entry)) {
                return Availability.AVAILABLE;
            }
        }
        return Availability.of(Availability.State.REGION_BLOCKED,
                "no provider of scopes " + current.policy().scopes() + " is available in region " + current.region());
    }

    @Override
    public StreamHandle stream(ChatRequest request, StreamListener listener) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(listener, "listener");
        Snapshot current = snapshot;
        List<ProviderEntry> candidates = candidates(current, request);
        RoutedStream stream = new RoutedStream(this, request, listener, current.region(), candidates);
        stream.tryNext();
        return stream;
    }

    private static List<ProviderEntry> candidates(Snapshot current, ChatRequest request) {
        List<ProviderEntry> ordered = current.ordered();
        if (request.provider() == null && request.model() == null) {
            return ordered;
        }
        List<ProviderEntry> matching = new ArrayList<>(ordered.size());
        for (ProviderEntry entry : ordered) {
            if ((request.provider() == null || request.provider().equals(entry.id())) && entry.serves(request.model())) {
                matching.add(entry);
            }
        }
        return matching;
    }

    /** The fail-closed error, explaining why no provider of the region could take the request. */
    ModelException regionBlocked(ChatRequest request, String requestRegion) {
        Snapshot current = snapshot;
        StringBuilder why = new StringBuilder("no eligible provider in region ").append(requestRegion);
        if (current.policy() == null) {
            why.append(": no policy names this region (known: ").append(policies().keySet()).append(")");
        } else {
            why.append(" (allowed scopes ").append(current.policy().scopes());
            if (request.provider() != null) {
                why.append(", provider ").append(request.provider());
            }
            if (request.model() != null) {
                why.append(", model ").append(request.model());
            }
            why.append(")");
            List<String> states = new ArrayList<>();
            for (ProviderEntry entry : providers.values()) {
                String state = !current.policy().allows(entry.scope()) ? "scope " + entry.scope() + " not allowed"
                        : availability(entry).toString();
                states.add(entry.id() + ": " + state);
            }
            why.append(states.isEmpty() ? "; no provider is registered" : "; " + String.join("; ", states));
        }
        return ModelException.unavailable(ModelException.REGION_BLOCKED, why.toString());
    }

    /** A provider's own word on whether it can serve; one that throws cannot. */
    static boolean isAvailable(ProviderEntry entry) {
        return availability(entry).isAvailable();
    }

    ProviderCounters counters(String providerId) {
        return counters.computeIfAbsent(providerId, id -> new ProviderCounters());
    }

    // ---- what the console shows ----

    public String activeRegion() {
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

    /** Every provider: the allowed ones in routing order, then the others by id. */
    public List<ProviderStatus> providers() {
        Snapshot current = snapshot;
        Map<Long, ProviderStatus> result = new LinkedHashMap<>();
        for (ProviderEntry entry : current.ordered()) {
            result.put(entry.serviceId(), status(entry, true));
        }
        providers.values().stream().sorted(Comparator.comparing(ProviderEntry::id))
                .filter(entry -> !result.containsKey(entry.serviceId()))
                .forEach(entry -> result.put(entry.serviceId(), status(entry, false)));
        return List.copyOf(result.values());
    }

    private ProviderStatus status(ProviderEntry entry, boolean allowed) {
        return new ProviderStatus(entry.id(), entry.scope(), entry.models(), entry.ranking(), entry.serviceId(),
                entry.bundle(), availability(entry), allowed, counters(entry.id()).snapshot());
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
