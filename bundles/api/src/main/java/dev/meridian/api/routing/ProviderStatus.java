package dev.meridian.api.routing;

import java.util.List;

import dev.meridian.api.Availability;

/**
 * One registered provider as the router sees it now.
 *
 * @param id           its {@code meridian.provider.id}
 * @param scope        its residency scope
 * @param models       the models it serves
 * @param ranking      its {@code service.ranking}
 * @param serviceId    its {@code service.id}
 * @param bundle       symbolic name and version of the bundle that registered it
 * @param availability whether it can serve, and why not
 * @param allowed      whether the active region lets it serve: scope allowed, bundle trusted, consent given
 * @param stats        the router's counters for its id
 * @param trust        {@code trusted (...)} or {@code untrusted (reason)}: whether its bundle's signer is allowed
 *                     for its scope
 * @param refusal      why it is not allowed ({@code scope global not allowed in CN}, {@code untrusted (...)},
 *                     {@code consent-required}, ...); {@code null} when allowed
 */
public record ProviderStatus(String id, String scope, List<String> models, int ranking, long serviceId,
        String bundle, Availability availability, boolean allowed, ProviderStats stats, String trust,
        String refusal) {

    public ProviderStatus {
        models = List.copyOf(models);
    }

    /** The 1.0 shape: trust not known. */
    public ProviderStatus(String id, String scope, List<String> models, int ranking, long serviceId, String bundle,
            Availability availability, boolean allowed, ProviderStats stats) {
        this(id, scope, models, ranking, serviceId, bundle, availability, allowed, stats, "unknown",
                allowed ? null : "not allowed");
    }

    /** Allowed by the region and available: the router may send it requests now. */
    public boolean eligible() {
        return allowed && availability.isAvailable();
    }
}
