package dev.meridian.cloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.meridian.api.ErrorKind;

class RetryPolicyTest {
    private static final RetryPolicy POLICY = new RetryPolicy(3, Duration.ofMillis(100), Duration.ofMillis(1000),
            Duration.ofSeconds(5));

    private static HttpHeaders headers(Map<String, List<String>> map) {
        return HttpHeaders.of(map, (a, b) -> true);
    }

    @Test
    void honoursServerHintsUpToTheBound() {
        WireFailure ms = WireErrors.failure(429, ErrorKind.RATE_LIMITED, "slow down",
                headers(Map.of("retry-after-ms", List.of("250"), "retry-after", List.of("1"))));
        assertEquals(Optional.of(Duration.ofMillis(250)), POLICY.delay(1, ms));
        WireFailure seconds = WireErrors.failure(503, ErrorKind.UNAVAILABLE, "busy",
                headers(Map.of("retry-after", List.of("2"))));
        assertEquals(Optional.of(Duration.ofSeconds(2)), POLICY.delay(1, seconds));
        WireFailure tooLong = WireErrors.failure(429, ErrorKind.RATE_LIMITED, "later",
                headers(Map.of("retry-after", List.of("60"))));
        assertTrue(POLICY.delay(1, tooLong).isEmpty(), "a wait past the bound goes back to the router");
    }

    @Test
    void backsOffExponentiallyWithJitterAndStopsAtMaxAttempts() {
        WireFailure failure = WireErrors.failure(500, ErrorKind.UNAVAILABLE, "oops", headers(Map.of()));
        long first = POLICY.delay(1, failure).orElseThrow().toMillis();
        long second = POLICY.delay(2, failure).orElseThrow().toMillis();
        assertTrue(first >= 50 && first <= 100, "first " + first);
        assertTrue(second >= 100 && second <= 200, "second " + second);
        assertTrue(POLICY.delay(3, failure).isEmpty());
    }

    @Test
    void neverRetriesQuotaAuthenticationOrInvalidRequests() {
        assertFalse(WireErrors.failure(429, ErrorKind.QUOTA_EXHAUSTED, "quota", headers(Map.of())).retryable());
        assertFalse(WireErrors.failure(401, ErrorKind.AUTHENTICATION, "key", headers(Map.of())).retryable());
        assertFalse(WireErrors.failure(400, ErrorKind.INVALID_REQUEST, "bad", headers(Map.of())).retryable());
        assertTrue(WireErrors.failure(408, ErrorKind.TIMEOUT, "slow", headers(Map.of())).retryable());
        assertTrue(WireErrors.failure(409, ErrorKind.UNAVAILABLE, "conflict", headers(Map.of())).retryable());
    }

    @Test
    void ignoresNonsenseHints() {
        assertTrue(WireErrors.retryAfter(headers(Map.of("retry-after", List.of("soon")))).isEmpty());
        assertTrue(WireErrors.retryAfter(headers(Map.of("retry-after-ms", List.of("-5")))).isEmpty());
    }

    @Test
    void mapsOpenAiCodesThenTypesThenTheStatus() {
        VendorCodes codes = VendorCodes.OPENAI;
        assertEquals(ErrorKind.QUOTA_EXHAUSTED, codes.kindOf("insufficient_quota", "insufficient_quota", 429));
        assertEquals(ErrorKind.RATE_LIMITED, codes.kindOf("rate_limit_exceeded", "requests", 429));
        assertEquals(ErrorKind.AUTHENTICATION, codes.kindOf("invalid_api_key", "invalid_request_error", 401));
        assertEquals(ErrorKind.AUTHENTICATION, codes.kindOf(null, "authentication_error", 200));
        assertEquals(ErrorKind.UNAVAILABLE, codes.kindOf(null, null, 502));
        assertEquals(ErrorKind.UNAVAILABLE, codes.kindOf("something_new", null, 200));
        assertEquals(ErrorKind.RATE_LIMITED, codes.kindOf("something_new", null, 429));
    }

    @Test
    void aDialectAddsItsVendorsCodesWithoutChangingOthers() {
        VendorCodes vendor = VendorCodes.OPENAI.with(ErrorKind.QUOTA_EXHAUSTED, "Arrearage")
                .withPrefix(ErrorKind.INVALID_REQUEST, "InvalidParameter");
        assertEquals(ErrorKind.QUOTA_EXHAUSTED, vendor.kindOf("Arrearage", null, 400));
        assertEquals(ErrorKind.INVALID_REQUEST, vendor.kindOf("InvalidParameter.MaxTokens", null, 400));
        assertEquals(ErrorKind.INVALID_REQUEST, VendorCodes.OPENAI.kindOf("Arrearage", null, 400), "OPENAI unchanged");
        assertEquals(ErrorKind.UNAVAILABLE, VendorCodes.NONE.kindOf("insufficient_quota", null, 503));
    }

    @Test
    void secretsNeverPrint() {
        Secret secret = Secret.configured("sk-abc");
        assertEquals("****", secret.toString());
        assertEquals("sk-abc", secret.reveal());
        assertEquals("configuration", secret.source());
    }
}
