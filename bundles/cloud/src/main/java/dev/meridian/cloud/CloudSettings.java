package dev.meridian.cloud;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Map;

/**
 * The configuration every cloud provider shares, read from its component properties with defaults, and refused
 * with a message naming the property when malformed:
 * {@code connectTimeoutMs} (10000), {@code firstTokenTimeoutMs} (60000), {@code idleTimeoutMs} (30000),
 * {@code totalTimeoutMs} (600000), {@code maxAttempts} (3), {@code retryBaseMs} (500), {@code retryMaxMs} (8000),
 * {@code maxServerWaitMs} (20000), {@code quotaCoolDownMs} (600000), {@code authCoolDownMs} (300000),
 * {@code unreachableCoolDownMs} (10000), {@code drainMs} (10000), {@code maxAnswerChars} (200000: an answer longer
 * than this ends with finish reason {@code length}, whatever the server sends; a server that never stops cannot fill
 * the heap).
 */
public record CloudSettings(Timeouts timeouts, RetryPolicy retry, Duration quotaCoolDown, Duration authCoolDown,
        Duration unreachableCoolDown, Duration drain, long maxAnswerChars) {

    public static CloudSettings read(Map<String, ?> properties) {
        return new CloudSettings(
                Timeouts.ofMillis(millis(properties, "connectTimeoutMs", 10_000),
                        millis(properties, "firstTokenTimeoutMs", 60_000), millis(properties, "idleTimeoutMs", 30_000),
                        millis(properties, "totalTimeoutMs", 600_000)),
                new RetryPolicy((int) number(properties, "maxAttempts", 3, 1, 10),
                        Duration.ofMillis(millis(properties, "retryBaseMs", 500)),
                        Duration.ofMillis(millis(properties, "retryMaxMs", 8_000)),
                        Duration.ofMillis(millis(properties, "maxServerWaitMs", 20_000))),
                Duration.ofMillis(millis(properties, "quotaCoolDownMs", 600_000)),
                Duration.ofMillis(millis(properties, "authCoolDownMs", 300_000)),
                Duration.ofMillis(millis(properties, "unreachableCoolDownMs", 10_000)),
                Duration.ofMillis(millis(properties, "drainMs", 10_000)),
                number(properties, "maxAnswerChars", 200_000, 1, 50_000_000));
    }

    public ProviderHealth health() {
        return new ProviderHealth(quotaCoolDown, authCoolDown, unreachableCoolDown);
    }

    private static long millis(Map<String, ?> properties, String name, long defaultValue) {
        return number(properties, name, defaultValue, 1, Duration.ofDays(1).toMillis());
    }

    private static long number(Map<String, ?> properties, String name, long defaultValue, long min, long max) {
        Object value = properties.get(name);
        if (value == null) {
            return defaultValue;
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
