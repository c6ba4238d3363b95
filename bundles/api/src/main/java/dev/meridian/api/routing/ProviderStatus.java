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
 * @param allowed      whether the active region's policy allows its scope
 * @param stats        the router's counters for its id
 */
public record ProviderStatus(String id, String scope, List<String> models, int ranking, long serviceId,
        String bundle, Availability availability, boolean allowed, ProviderStats stats) {

    public ProviderStatus {
        models = List.copyOf(models);
    }

    /** Allowed by the region and available: the router may send it requests now. */
    public boolean eligible() {
        return allowed && availability.isAvailable();
    }
}
