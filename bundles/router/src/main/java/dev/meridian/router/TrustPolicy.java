package dev.meridian.router;

import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

import dev.meridian.api.routing.TrustSettings;

/**
 * Which bundle signers may serve which residency scope ({@value dev.meridian.api.routing.Routing#TRUST_PID}):
 * a provider serves only if its bundle is signed by a signer allowed for its scope, or its scope is explicitly open
 * to unsigned bundles for development. Without a readable configuration nothing is trusted.
 *
 * @param signers        allowed signer fingerprints (SHA-256, lower-case hex) per scope
 * @param unsignedScopes scopes that unsigned bundles may serve (development only)
 * @param problem        why nothing is trusted ({@code null} for a readable configuration)
 */
public record TrustPolicy(Map<String, Set<String>> signers, Set<String> unsignedScopes, String problem) {

    /** What a provider's bundle and the trust configuration say together. */
    record Decision(boolean trusted, String text) {
        static Decision trusted(String why) {
            return new Decision(true, "trusted (" + why + ")");
        }

        static Decision untrusted(String why) {
            return new Decision(false, "untrusted (" + why + ")");
        }
    }

    /** Before any trust configuration arrived. */
    static final TrustPolicy NONE = new TrustPolicy(Map.of(), Set.of(),
            "no trust configuration " + dev.meridian.api.routing.Routing.TRUST_PID + ": no signer is trusted");

    public TrustPolicy {
        signers = signers.entrySet().stream().collect(Collectors.toUnmodifiableMap(Map.Entry::getKey,
                e -> Set.copyOf(e.getValue())));
        unsignedScopes = Set.copyOf(unsignedScopes);
    }

    public static TrustPolicy of(Map<String, Set<String>> signers, Set<String> unsignedScopes) {
        return new TrustPolicy(signers, unsignedScopes, null);
    }

    /** Fails closed for every scope. */
    static TrustPolicy unreadable(String problem) {
        return new TrustPolicy(Map.of(), Set.of(), Objects.requireNonNull(problem, "problem"));
    }

    TrustSettings settings() {
        return new TrustSettings(signers, unsignedScopes, problem);
    }

    Decision decide(String scope, BundleSignature signature) {
        if (problem != null) {
            return Decision.untrusted(problem);
        }
        return switch (signature.status()) {
            case BROKEN -> Decision.untrusted(signature.problem());
            case UNSIGNED -> unsignedScopes.contains(scope)
                    ? Decision.trusted("unsigned; scope " + scope + " is open to unsigned bundles for development")
                    : Decision.untrusted("bundle is not signed; scope " + scope + " needs a signer from "
                            + dev.meridian.api.routing.Routing.TRUST_PID);
            case SIGNED -> {
                Set<String> allowed = signers.getOrDefault(scope, Set.of());
                String match = signature.signers().stream().filter(allowed::contains).sorted().findFirst()
                        .orElse(null);
                yield match != null ? Decision.trusted("signer " + BundleSignature.shortFingerprint(match))
                        : Decision.untrusted("signer " + signature.signers().stream().sorted()
                                .map(BundleSignature::shortFingerprint).collect(Collectors.joining(", "))
                                + " is not allowed for scope " + scope);
            }
        };
    }
}
