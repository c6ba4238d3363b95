package dev.meridian.api;

/**
 * The one error taxonomy of all providers. {@link #retrySafeElsewhere()} says whether the same request may be
 * sent to another eligible provider when the error arrives before the first token.
 */
public enum ErrorKind {
    /** Too many requests now; retry later. */
    RATE_LIMITED(true),
    /** The account's quota or balance is used up. */
    QUOTA_EXHAUSTED(true),
    /** The credentials were refused. */
    AUTHENTICATION(true),
    /** The request itself is wrong; it would be wrong anywhere. */
    INVALID_REQUEST(false),
    /** The provider's content filter refused it; routing around a filter is not allowed. */
    CONTENT_FILTERED(false),
    /** The provider cannot serve now; {@link ModelException#reason()} says why (e.g. {@code region-blocked}). */
    UNAVAILABLE(true),
    /** A connect, first-token, idle or total timeout expired. */
    TIMEOUT(true),
    /** The caller cancelled. */
    CANCELLED(false),
    /** The provider went away (stopped, updated) while serving. */
    PROVIDER_CLOSED(true);

    private final boolean retrySafeElsewhere;

    ErrorKind(boolean retrySafeElsewhere) {
        this.retrySafeElsewhere = retrySafeElsewhere;
    }

    public boolean retrySafeElsewhere() {
        return retrySafeElsewhere;
    }

    /** The lower-case, hyphenated name shown to people ({@code rate-limited}, ...). */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}
