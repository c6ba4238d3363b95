package dev.meridian.provider.dashscope;

import dev.meridian.api.ErrorKind;
import dev.meridian.cloud.VendorCodes;

/**
 * DashScope's error codes, in its native API and in its OpenAI-compatible mode (which sends OpenAI's error shape
 * with DashScope's codes, and OpenAI's own for some errors).
 */
final class DashScopeCodes {
    static final VendorCodes CODES = VendorCodes.OPENAI
            .with(ErrorKind.QUOTA_EXHAUSTED, "Arrearage", "Throttling.FreeTierOnly")
            .with(ErrorKind.RATE_LIMITED, "limit_requests")
            .withPrefix(ErrorKind.RATE_LIMITED, "Throttling")
            .with(ErrorKind.AUTHENTICATION, "InvalidApiKey", "AccessDenied", "AccessDenied.Unpurchased", "invalid_key")
            .with(ErrorKind.CONTENT_FILTERED, "DataInspectionFailed", "data_inspection_failed")
            .with(ErrorKind.INVALID_REQUEST, "ModelNotFound", "InvalidModel", "invalid_parameter_error")
            .withPrefix(ErrorKind.INVALID_REQUEST, "InvalidParameter")
            .with(ErrorKind.TIMEOUT, "RequestTimeOut", "timeout")
            .with(ErrorKind.UNAVAILABLE, "InternalError", "InternalError.Algo", "ServiceUnavailable");

    private DashScopeCodes() {
    }
}
