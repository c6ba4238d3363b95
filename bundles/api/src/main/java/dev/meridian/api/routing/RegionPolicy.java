package dev.meridian.api.routing;

import java.util.List;
import java.util.Objects;

/**
 * What a region allows: the residency scopes whose providers may process its requests, its preference order of
 * provider ids (providers not named come after those named), the scopes that need the user's consent before data
 * leaves the device for them, and the explicit AI-generated-content label its answers carry.
 *
 * @param region          the region's name
 * @param scopes          the residency scopes allowed
 * @param preference      provider ids in order of preference
 * @param consentRequired allowed scopes that serve only after the user consented
 * @param label           the text shown with every answer in this region, or {@code null} for none
 */
public record RegionPolicy(String region, List<String> scopes, List<String> preference,
        List<String> consentRequired, String label) {
    public RegionPolicy {
        Objects.requireNonNull(region, "region");
        scopes = List.copyOf(scopes);
        preference = List.copyOf(preference);
        consentRequired = List.copyOf(consentRequired);
    }

    /** A policy that asks for no consent and no explicit label. */
    public RegionPolicy(String region, List<String> scopes, List<String> preference) {
        this(region, scopes, preference, List.of(), null);
    }

    public boolean allows(String scope) {
        return scope != null && scopes.contains(scope);
    }

    /** Whether data may go to {@code scope} only after the user consented. */
    public boolean requiresConsent(String scope) {
        return consentRequired.contains(scope);
    }
}
