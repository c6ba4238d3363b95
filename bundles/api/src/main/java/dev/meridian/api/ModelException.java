package dev.meridian.api;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A failed request, in the one taxonomy of {@link ErrorKind}. Messages never contain credentials.
 */
public class ModelException extends Exception {
    private static final long serialVersionUID = 1L;

    /** {@link #reason()} of an {@link ErrorKind#UNAVAILABLE} error when no provider of the region may serve. */
    public static final String REGION_BLOCKED = "region-blocked";

    /**
     * {@link #reason()} of an {@link ErrorKind#UNAVAILABLE} error when a provider could serve but the region's policy
     * needs the user's consent for its scope first.
     */
    public static final String CONSENT_REQUIRED = "consent-required";

    private final ErrorKind kind;
    private final String reason;
    private final transient Duration retryAfter;
    private final transient Provenance provenance;

    public ModelException(ErrorKind kind, String message) {
        this(kind, null, message, null, null, null);
    }

    public ModelException(ErrorKind kind, String reason, String message, Duration retryAfter, Provenance provenance,
            Throwable cause) {
        super(message, cause);
        this.kind = Objects.requireNonNull(kind, "kind");
        this.reason = reason;
        this.retryAfter = retryAfter;
        this.provenance = provenance;
    }

    public static ModelException unavailable(String reason, String message) {
        return new ModelException(ErrorKind.UNAVAILABLE, reason, message, null, null, null);
    }

    public ErrorKind kind() {
        return kind;
    }

    /** A short machine-readable reason ({@code region-blocked}, {@code unreachable}, ...), or {@code null}. */
    public String reason() {
        return reason;
    }

    /** Whether another eligible provider may be tried with the same request (before its first token). */
    public boolean retrySafeElsewhere() {
        return kind.retrySafeElsewhere();
    }

    /** How long the provider asked to wait before a retry, if it said. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    /** Who failed and where, when known. */
    public Optional<Provenance> provenance() {
        return Optional.ofNullable(provenance);
    }

    /** The same error, carrying the given provenance. */
    public ModelException withProvenance(Provenance value) {
        ModelException copy = new ModelException(kind, reason, getMessage(), retryAfter, value, getCause());
        copy.setStackTrace(getStackTrace());
        return copy;
    }

    @Override
    public String toString() {
        return kind.label() + (reason == null ? "" : "(" + reason + ")") + ": " + getMessage();
    }
}
