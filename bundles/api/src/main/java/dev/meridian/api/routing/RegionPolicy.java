package dev.meridian.api.routing;

import java.util.List;
import java.util.Objects;

/**
 * What a region allows: the residency scopes whose providers may process its requests, and its preference order
 * of provider ids (providers not named come after those named).
 */
public record RegionPolicy(String region, List<String> scopes, List<String> preference) {
    public RegionPolicy {
        Objects.requireNonNull(region, "region");
        scopes = List.copyOf(scopes);
        preference = List.copyOf(preference);
    }

    public boolean allows(String scope) {
        return scope != null && scopes.contains(scope);
    }
}
