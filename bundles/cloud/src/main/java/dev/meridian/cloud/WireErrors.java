package dev.meridian.cloud;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

import dev.meridian.api.ErrorKind;
import dev.meridian.api.ModelException;

/** The parts of mapping wire errors that do not depend on the provider: HTTP status, retry hints. */
public final class WireErrors {
    /** {@link ModelException#reason()} of a response that breaks the wire format. */
    public static final String BAD_RESPONSE = "bad-response";

    private WireErrors() {
    }

    /** An error body for a message: one line, at most 200 characters. */
    public static String excerpt(String body) {
        String oneLine = body.replaceAll("\\s+", " ").strip();
        return oneLine.length() <= 200 ? oneLine : oneLine.substring(0, 200) + "...";
    }

    /** Whether an HTTP status may be retried at the same provider: 408, 409, 429 and 5xx. */
    public static boolean retryableStatus(int status) {
        return status == 408 || status == 409 || status == 429 || status >= 500;
    }

    /** The taxonomy's kind for an HTTP status when the body names no more precise code. */
    public static ErrorKind kindOf(int status) {
        return switch (status) {
            case 400, 404, 413, 415, 422 -> ErrorKind.INVALID_REQUEST;
            case 401, 403 -> ErrorKind.AUTHENTICATION;
            case 402 -> ErrorKind.QUOTA_EXHAUSTED;
            case 408, 504 -> ErrorKind.TIMEOUT;
            case 429 -> ErrorKind.RATE_LIMITED;
            default -> ErrorKind.UNAVAILABLE;
        };
    }

    /** Kinds that asking the same provider again cannot fix. */
    public static boolean finalKind(ErrorKind kind) {
        return switch (kind) {
            case QUOTA_EXHAUSTED, AUTHENTICATION, INVALID_REQUEST, CONTENT_FILTERED, CANCELLED -> true;
            default -> false;
        };
    }

    /** A failure from a status and a kind: retryable when both the status and the kind allow it. */
    public static WireFailure failure(int status, ErrorKind kind, String message, HttpHeaders headers) {
        Duration retryAfter = retryAfter(headers).orElse(null);
        ModelException error = new ModelException(kind, "http-" + status, message, retryAfter, null, null);
        return new WireFailure(error, retryableStatus(status) && !finalKind(kind));
    }

    /**
     * The server's wait hint: {@code retry-after-ms} (milliseconds, OpenAI), else {@code Retry-After} in seconds or
     * as an HTTP date. Nonsense values are ignored.
     */
    public static Optional<Duration> retryAfter(HttpHeaders headers) {
        if (headers == null) {
            return Optional.empty();
        }
        Optional<String> millis = headers.firstValue("retry-after-ms");
        if (millis.isPresent()) {
            try {
                double value = Double.parseDouble(millis.get().strip());
                if (value >= 0 && value < 86_400_000) {
                    return Optional.of(Duration.ofMillis((long) value));
                }
            } catch (NumberFormatException e) {
                // fall through to Retry-After
            }
        }
        Optional<String> after = headers.firstValue("retry-after");
        if (after.isEmpty()) {
            return Optional.empty();
        }
        String value = after.get().strip();
        try {
            double seconds = Double.parseDouble(value);
            return seconds >= 0 && seconds < 86_400 ? Optional.of(Duration.ofMillis((long) (seconds * 1000)))
                    : Optional.empty();
        } catch (NumberFormatException e) {
            try {
                Duration wait = Duration.between(ZonedDateTime.now(),
                        ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME));
                return Optional.of(wait.isNegative() ? Duration.ZERO : wait);
            } catch (DateTimeParseException notADate) {
                return Optional.empty();
            }
        }
    }
}
