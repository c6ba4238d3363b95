package dev.meridian.router;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Map;

import dev.meridian.api.Consent;

/**
 * Reads and writes {@value dev.meridian.api.routing.Routing#CONSENT_PID}: one property {@code granted.SCOPE} per
 * consent, holding when it was granted (ISO-8601). A configuration that cannot be read grants nothing.
 */
final class ConsentReader {
    static final String GRANTED_ = "granted.";

    private ConsentReader() {
    }

    /** @throws IllegalArgumentException naming the first malformed property */
    static Map<String, Consent> read(Map<String, ?> properties) {
        Map<String, Consent> consents = new HashMap<>();
        for (Map.Entry<String, ?> property : properties.entrySet()) {
            String key = property.getKey();
            if (key.startsWith(GRANTED_)) {
                String scope = PolicyReader.scope(key.substring(GRANTED_.length()), key);
                if (!(property.getValue() instanceof String time)) {
                    throw new IllegalArgumentException(key + " must be the time of the consent (ISO-8601), was "
                            + PolicyReader.describe(property.getValue()));
                }
                try {
                    consents.put(scope, new Consent(scope, Instant.parse(time.strip())));
                } catch (DateTimeParseException e) {
                    throw new IllegalArgumentException(key + " must be the time of the consent (ISO-8601, like "
                            + "2026-12-01T10:15:30Z), was '" + time + "'");
                }
            } else if (!TrustReader.isFrameworkProperty(key)) {
                throw new IllegalArgumentException("unknown property '" + key + "' (expected " + GRANTED_ + "SCOPE)");
            }
        }
        return Map.copyOf(consents);
    }
}
