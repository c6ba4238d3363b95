package dev.meridian.cloud;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;

import dev.meridian.cloud.internal.ProviderHealth;

/**
 * The configuration every cloud provider shares, read from its component properties with defaults, and refused
 * with a message naming the property when malformed (metatype describes them: {@link CloudConfig}):
 * {@code connectTimeoutMs} (10000), {@code firstTokenTimeoutMs} (60000), {@code idleTimeoutMs} (30000),
 * {@code totalTimeoutMs} (600000), {@code maxAttempts} (3), {@code retryBaseMs} (500), {@code retryMaxMs} (8000),
 * {@code maxServerWaitMs} (20000), {@code quotaCoolDownMs} (600000), {@code authCoolDownMs} (300000),
 * {@code unreachableCoolDownMs} (10000), {@code drainMs} (10000), {@code maxAnswerChars} (200000: an answer longer
 * than this ends with finish reason {@code length}, whatever the server sends; a server that never stops cannot fill
 * the heap).
 */
public record CloudSettings(Timeouts timeouts, RetryPolicy retry, Duration quotaCoolDown, Duration authCoolDown,
        Duration unreachableCoolDown, Duration drain, long maxAnswerChars) {
    // the defaults, as text: metatype shows the same ones (CloudConfig's attribute definitions name these)
    public static final String CONNECT_TIMEOUT_MS = "10000";
    public static final String FIRST_TOKEN_TIMEOUT_MS = "60000";
    public static final String IDLE_TIMEOUT_MS = "30000";
    public static final String TOTAL_TIMEOUT_MS = "600000";
    public static final String MAX_ATTEMPTS = "3";
    public static final String RETRY_BASE_MS = "500";
    public static final String RETRY_MAX_MS = "8000";
    public static final String MAX_SERVER_WAIT_MS = "20000";
    public static final String QUOTA_COOL_DOWN_MS = "600000";
    public static final String AUTH_COOL_DOWN_MS = "300000";
    public static final String UNREACHABLE_COOL_DOWN_MS = "10000";
    public static final String DRAIN_MS = "10000";
    public static final String MAX_ANSWER_CHARS = "200000";

    public static CloudSettings read(Map<String, ?> properties) {
        return new CloudSettings(
                Timeouts.ofMillis(millis(properties, "connectTimeoutMs", CONNECT_TIMEOUT_MS),
                        millis(properties, "firstTokenTimeoutMs", FIRST_TOKEN_TIMEOUT_MS),
                        millis(properties, "idleTimeoutMs", IDLE_TIMEOUT_MS),
                        millis(properties, "totalTimeoutMs", TOTAL_TIMEOUT_MS)),
                new RetryPolicy((int) number(properties, "maxAttempts", MAX_ATTEMPTS, 1, 10),
                        Duration.ofMillis(millis(properties, "retryBaseMs", RETRY_BASE_MS)),
                        Duration.ofMillis(millis(properties, "retryMaxMs", RETRY_MAX_MS)),
                        Duration.ofMillis(millis(properties, "maxServerWaitMs", MAX_SERVER_WAIT_MS))),
                Duration.ofMillis(millis(properties, "quotaCoolDownMs", QUOTA_COOL_DOWN_MS)),
                Duration.ofMillis(millis(properties, "authCoolDownMs", AUTH_COOL_DOWN_MS)),
                Duration.ofMillis(millis(properties, "unreachableCoolDownMs", UNREACHABLE_COOL_DOWN_MS)),
                Duration.ofMillis(millis(properties, "drainMs", DRAIN_MS)),
                number(properties, "maxAnswerChars", MAX_ANSWER_CHARS, 1, 50_000_000));
    }

    /** A text property, stripped; {@code defaultValue} when absent or blank. */
    public static String text(Map<String, ?> properties, String name, String defaultValue) {
        Object value = properties.get(name);
        String text = value instanceof Object[] array ? (array.length > 0 ? String.valueOf(array[0]) : null)
                : value == null ? null : value.toString();
        return text == null || text.isBlank() ? defaultValue : text.strip();
    }

    /** A multi-valued text property (an array, a collection or one value); empty when absent. */
    public static List<String> texts(Map<String, ?> properties, String name) {
        Object value = properties.get(name);
        List<Object> values = value instanceof Object[] array ? Arrays.asList(array)
                : value instanceof Collection<?> collection ? List.copyOf(collection)
                : value == null ? List.of() : List.of(value);
        return values.stream().map(v -> String.valueOf(v).strip()).filter(v -> !v.isEmpty()).toList();
    }

    ProviderHealth health() {
        return new ProviderHealth(quotaCoolDown, authCoolDown, unreachableCoolDown);
    }

    private static long millis(Map<String, ?> properties, String name, String defaultValue) {
        return number(properties, name, defaultValue, 1, Duration.ofDays(1).toMillis());
    }

    private static long number(Map<String, ?> properties, String name, String defaultValue, long min, long max) {
        Object value = properties.get(name);
        if (value == null) {
            return Long.parseLong(defaultValue);
        }
        long number;
        if (value instanceof Number n) {
            number = n.longValue();
        } else {
            try {
                number = Long.parseLong(value.toString().strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name + " must be a whole number, was '" + value + "'");
            }
        }
        if (number < min || number > max) {
            throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", was " + number);
        }
        return number;
    }

    /** An http(s) URL without a trailing slash. @throws IllegalArgumentException naming the property */
    public static URI baseUrl(String name, String value) {
        try {
            URI uri = new URI(value == null ? "" : value.strip());
            if (!("https".equals(uri.getScheme()) || "http".equals(uri.getScheme())) || uri.getHost() == null) {
                throw new IllegalArgumentException(name + " must be an http or https URL, was '" + value + "'");
            }
            String text = uri.toString();
            return URI.create(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(name + " must be an http or https URL, was '" + value + "'");
        }
    }
}
