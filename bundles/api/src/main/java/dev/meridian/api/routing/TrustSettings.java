package dev.meridian.api.routing;

import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The trust configuration in force ({@value Routing#TRUST_PID}): which signers may ship providers for which scope.
 *
 * @param signers        SHA-256 fingerprints (lower-case hex) of the signer certificates allowed, per scope
 * @param unsignedScopes scopes open to unsigned bundles, for development
 * @param problem        why nothing is trusted (no configuration, or one that cannot be read); {@code null} when
 *                       the configuration was read
 */
public record TrustSettings(Map<String, Set<String>> signers, Set<String> unsignedScopes, String problem) {
    public TrustSettings {
        signers = signers.entrySet().stream().collect(Collectors.toUnmodifiableMap(Map.Entry::getKey,
                e -> Set.copyOf(e.getValue())));
        unsignedScopes = Set.copyOf(unsignedScopes);
    }
}
