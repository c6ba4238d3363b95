package dev.meridian.gateway;

import java.util.Set;

import dev.meridian.api.ModelException;

/**
 * An error as the gateway answers it: an HTTP status and OpenAI's error object ({@code message}, {@code type},
 * {@code param}, {@code code}). Messages come from Meridian's own errors, which never hold a credential.
 */
final class ApiError extends Exception {
    private static final long serialVersionUID = 1L;

    /** Reasons of an unavailable error that mean nobody may or can serve here, not that an upstream broke. */
    private static final Set<String> NOT_SERVABLE = Set.of(ModelException.REGION_BLOCKED,
            ModelException.CONSENT_REQUIRED, "unreachable", "not-configured", "shutting-down");

    final int status;
    final String type;
    final String code;
    final String param;
    final long retryAfterSeconds; // 0: none

    ApiError(int status, String type, String code, String param, String message, long retryAfterSeconds) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.code = code;
        this.param = param;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    static ApiError invalid(String param, String message) {
        return new ApiError(400, "invalid_request_error", param == null ? "invalid_request" : "invalid_value", param,
                message, 0);
    }

    static ApiError unsupported(String param, String message) {
        return new ApiError(400, "invalid_request_error", "unsupported_parameter", param, message, 0);
    }

    /** The status of each kind of the taxonomy; the reason becomes the code. */
    static ApiError of(ModelException error) {
        String code = error.reason() == null ? error.kind().label().replace('-', '_')
                : error.reason().replace('-', '_');
        long retry = error.retryAfter().map(d -> Math.max(1, (d.toMillis() + 999) / 1000)).orElse(0L);
        return switch (error.kind()) {
            case RATE_LIMITED -> new ApiError(429, "rate_limit_error", code, null, error.getMessage(),
                    retry == 0 ? 1 : retry);
            case QUOTA_EXHAUSTED -> new ApiError(429, "insufficient_quota", code, null, error.getMessage(), retry);
            case AUTHENTICATION -> new ApiError(401, "authentication_error", "upstream_authentication", null,
                    error.getMessage(), 0);
            case INVALID_REQUEST -> new ApiError(400, "invalid_request_error", code, null, error.getMessage(), 0);
            case CONTENT_FILTERED -> new ApiError(400, "invalid_request_error", "content_filter", null,
                    error.getMessage(), 0);
            case TIMEOUT -> new ApiError(504, "timeout_error", code, null, error.getMessage(), 0);
            case UNAVAILABLE -> NOT_SERVABLE.contains(error.reason() == null ? "" : error.reason())
                    || error.reason() == null
                            ? new ApiError(503, "service_unavailable", code, null, error.getMessage(), retry)
                            : new ApiError(502, "upstream_error", code, null, error.getMessage(), retry);
            case PROVIDER_CLOSED -> new ApiError(502, "upstream_error", code, null, error.getMessage(), 0);
            case CANCELLED -> new ApiError(499, "cancelled", code, null, error.getMessage(), 0);
        };
    }
}
