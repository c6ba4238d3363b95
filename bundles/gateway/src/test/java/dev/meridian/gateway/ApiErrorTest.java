package dev.meridian.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import dev.meridian.api.ErrorKind;
import dev.meridian.api.ModelException;

/** Every kind of the taxonomy answers with the status an OpenAI client expects. */
class ApiErrorTest {

    private static ApiError of(ErrorKind kind, String reason, Duration retryAfter) {
        return ApiError.of(new ModelException(kind, reason, "what happened", retryAfter, null, null));
    }

    @Test
    void statusesFollowTheTaxonomy() {
        ApiError blocked = of(ErrorKind.UNAVAILABLE, ModelException.REGION_BLOCKED, null);
        assertEquals(503, blocked.status);
        assertEquals("region_blocked", blocked.code);
        assertEquals(503, of(ErrorKind.UNAVAILABLE, ModelException.CONSENT_REQUIRED, null).status);
        assertEquals(502, of(ErrorKind.UNAVAILABLE, "connection-dropped", null).status);
        assertEquals(502, of(ErrorKind.UNAVAILABLE, "bad-response", null).status);
        assertEquals(502, of(ErrorKind.PROVIDER_CLOSED, null, null).status);
        assertEquals(504, of(ErrorKind.TIMEOUT, "timeout", null).status);
        assertEquals(401, of(ErrorKind.AUTHENTICATION, null, null).status);
        assertEquals(400, of(ErrorKind.INVALID_REQUEST, null, null).status);
        assertEquals(400, of(ErrorKind.CONTENT_FILTERED, null, null).status);
        assertEquals(429, of(ErrorKind.QUOTA_EXHAUSTED, null, null).status);
    }

    @Test
    void rateLimitsCarryRetryAfterInWholeSecondsRoundedUp() {
        ApiError limited = of(ErrorKind.RATE_LIMITED, null, Duration.ofMillis(1200));
        assertEquals(429, limited.status);
        assertEquals(2, limited.retryAfterSeconds);
        assertEquals(1, of(ErrorKind.RATE_LIMITED, "overloaded", null).retryAfterSeconds);
    }
}
