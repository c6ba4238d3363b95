package dev.meridian.cloud;

import dev.meridian.api.ErrorKind;

/**
 * The error codes OpenAI and DashScope send (in error bodies and inside 200 streams), mapped to the taxonomy. A code
 * not listed falls back to the HTTP status ({@link WireErrors#kindOf(int)}).
 */
public final class ErrorCodes {
    private ErrorCodes() {
    }

    /** @param code the {@code code} (or {@code type}) field; {@code status} the HTTP status, 200 inside a stream */
    public static ErrorKind kindOf(String code, String type, int status) {
        String c = code == null ? "" : code;
        switch (c) {
            case "insufficient_quota", "Arrearage", "billing_hard_limit_reached", "Throttling.FreeTierOnly":
                return ErrorKind.QUOTA_EXHAUSTED;
            case "rate_limit_exceeded", "Throttling", "Throttling.RateQuota", "Throttling.AllocationQuota",
                    "Throttling.BurstRate", "limit_requests":
                return ErrorKind.RATE_LIMITED;
            case "invalid_api_key", "InvalidApiKey", "AccessDenied", "AccessDenied.Unpurchased", "invalid_key":
                return ErrorKind.AUTHENTICATION;
            case "content_filter", "content_policy_violation", "DataInspectionFailed", "data_inspection_failed":
                return ErrorKind.CONTENT_FILTERED;
            case "model_not_found", "context_length_exceeded", "InvalidParameter", "invalid_parameter_error",
                    "ModelNotFound", "InvalidModel":
                return ErrorKind.INVALID_REQUEST;
            case "RequestTimeOut", "timeout":
                return ErrorKind.TIMEOUT;
            case "InternalError", "InternalError.Algo", "ServiceUnavailable", "server_error":
                return ErrorKind.UNAVAILABLE;
            default:
                break;
        }
        if (c.startsWith("InvalidParameter")) {
            return ErrorKind.INVALID_REQUEST;
        }
        if (c.startsWith("Throttling")) {
            return ErrorKind.RATE_LIMITED;
        }
        if ("authentication_error".equals(type)) {
            return ErrorKind.AUTHENTICATION;
        }
        if ("invalid_request_error".equals(type) && status == 200) {
            return ErrorKind.INVALID_REQUEST;
        }
        return status == 200 ? ErrorKind.UNAVAILABLE : WireErrors.kindOf(status);
    }
}
