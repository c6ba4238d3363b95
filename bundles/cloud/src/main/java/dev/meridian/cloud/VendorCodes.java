package dev.meridian.cloud;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.meridian.api.ErrorKind;

/**
 * One vendor's error codes, mapped to the taxonomy: the {@code code} of an error body or of an error sent inside a
 * 200 stream, else its {@code type}, else the HTTP status ({@link WireErrors#kindOf(int)}; inside a stream,
 * {@code UNAVAILABLE}). Each dialect brings its vendor's; immutable, built with {@link #with}:
 * <pre>
 * VendorCodes.OPENAI.with(ErrorKind.QUOTA_EXHAUSTED, "balance_exhausted")
 * </pre>
 */
public final class VendorCodes {
    /** No codes: every error maps by its HTTP status. */
    public static final VendorCodes NONE = new VendorCodes(Map.of(), Map.of(), Map.of());

    /** OpenAI's Chat Completions codes and types, which most OpenAI-compatible servers send too. */
    public static final VendorCodes OPENAI = NONE
            .with(ErrorKind.QUOTA_EXHAUSTED, "insufficient_quota", "billing_hard_limit_reached")
            .with(ErrorKind.RATE_LIMITED, "rate_limit_exceeded")
            .with(ErrorKind.AUTHENTICATION, "invalid_api_key")
            .with(ErrorKind.CONTENT_FILTERED, "content_filter", "content_policy_violation")
            .with(ErrorKind.INVALID_REQUEST, "model_not_found", "context_length_exceeded")
            .with(ErrorKind.UNAVAILABLE, "server_error")
            .withType(ErrorKind.AUTHENTICATION, "authentication_error")
            .withType(ErrorKind.INVALID_REQUEST, "invalid_request_error");

    private final Map<String, ErrorKind> codes;
    private final Map<String, ErrorKind> prefixes;
    private final Map<String, ErrorKind> types;

    private VendorCodes(Map<String, ErrorKind> codes, Map<String, ErrorKind> prefixes, Map<String, ErrorKind> types) {
        this.codes = codes;
        this.prefixes = prefixes;
        this.types = types;
    }

    /** These codes, and {@code more} meaning {@code kind}. */
    public VendorCodes with(ErrorKind kind, String... more) {
        return new VendorCodes(plus(codes, kind, more), prefixes, types);
    }

    /** These codes, and every code starting with {@code prefix} meaning {@code kind} (e.g. {@code Throttling}). */
    public VendorCodes withPrefix(ErrorKind kind, String prefix) {
        return new VendorCodes(codes, plus(prefixes, kind, prefix), types);
    }

    /** These codes, and errors of {@code type} (when their code is not listed) meaning {@code kind}. */
    public VendorCodes withType(ErrorKind kind, String type) {
        return new VendorCodes(codes, prefixes, plus(types, kind, type));
    }

    /**
     * @param code   the error's code, or {@code null}
     * @param type   the error's type, or {@code null}
     * @param status the HTTP status; 200 for an error inside a stream
     */
    public ErrorKind kindOf(String code, String type, int status) {
        if (code != null) {
            ErrorKind kind = codes.get(code);
            if (kind != null) {
                return kind;
            }
            for (Map.Entry<String, ErrorKind> prefix : prefixes.entrySet()) {
                if (code.startsWith(prefix.getKey())) {
                    return prefix.getValue();
                }
            }
        }
        ErrorKind byType = type == null ? null : types.get(type);
        if (byType != null) {
            return byType;
        }
        return status == 200 ? ErrorKind.UNAVAILABLE : WireErrors.kindOf(status);
    }

    private static Map<String, ErrorKind> plus(Map<String, ErrorKind> map, ErrorKind kind, String... keys) {
        Map<String, ErrorKind> copy = new LinkedHashMap<>(map);
        for (String key : keys) {
            copy.put(key, kind);
        }
        return Map.copyOf(copy);
    }
}
