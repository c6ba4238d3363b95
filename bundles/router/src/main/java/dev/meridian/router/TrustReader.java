package dev.meridian.router;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads {@value dev.meridian.api.routing.Routing#TRUST_PID}: {@code signers.SCOPE} lists the SHA-256 fingerprints of
 * the certificates allowed to sign providers of SCOPE (hex, colons allowed, as {@code keytool -list -v} prints
 * them); {@code unsignedScopes} lists scopes open to unsigned bundles, for development. Any other property is a
 * mistake (a misspelt key must not silently trust nothing or everything) and refuses the whole configuration.
 */
final class TrustReader {
    static final String SIGNERS_ = "signers.";
    static final String UNSIGNED_SCOPES = "unsignedScopes";
    private static final Pattern FINGERPRINT = Pattern.compile("[0-9a-f]{64}");

    private TrustReader() {
    }

    /** @throws IllegalArgumentException naming the first malformed property */
    static TrustPolicy read(Map<String, ?> properties) {
        Map<String, Set<String>> signers = new HashMap<>();
        Set<String> unsigned = new HashSet<>();
        for (Map.Entry<String, ?> property : properties.entrySet()) {
            String key = property.getKey();
            if (key.startsWith(SIGNERS_)) {
                String scope = key.substring(SIGNERS_.length());
                PolicyReader.scope(scope, key);
                Set<String> fingerprints = new HashSet<>();
                for (String value : PolicyReader.strings(property.getValue(), key)) {
                    fingerprints.add(fingerprint(value, key));
                }
                signers.put(scope, fingerprints);
            } else if (key.equals(UNSIGNED_SCOPES)) {
                for (String value : PolicyReader.strings(property.getValue(), key)) {
                    unsigned.add(PolicyReader.scope(value, key));
                }
            } else if (!isFrameworkProperty(key)) {
                throw new IllegalArgumentException("unknown property '" + key + "' (expected " + SIGNERS_
                        + "SCOPE or " + UNSIGNED_SCOPES + ")");
            }
        }
        return TrustPolicy.of(signers, unsigned);
    }

    /** Properties Configuration Admin, FileInstall and DS add to every configuration or component. */
    static boolean isFrameworkProperty(String key) {
        return key.startsWith("service.") || key.startsWith("component.") || key.startsWith("felix.")
                || key.startsWith("osgi.") || key.startsWith(".") || key.equals("objectClass")
                || key.endsWith(".target") || key.endsWith(".cardinality.minimum");
    }

    static String fingerprint(String value, String property) {
        String hex = value.strip().replace(":", "").toLowerCase(Locale.ROOT);
        if (!FINGERPRINT.matcher(hex).matches()) {
            throw new IllegalArgumentException(property + " must hold SHA-256 certificate fingerprints (64 hex digits, "
                    + "colons allowed), found '" + value + "'");
        }
        return hex;
    }
}
