package dev.meridian.cloud;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * When to try a failed request again at the same provider: only before its first token, only failures marked
 * retryable (408, 409, 429 and 5xx, dropped connections; never quota, authentication or invalid requests), at most
 * {@code maxAttempts} tries in all. The wait honours the server's {@code retry-after-ms} / {@code Retry-After} up to
 * {@code maxServerWait} (a longer request is not waited for: the error goes to the router, which may try another
 * provider); otherwise exponential backoff with jitter (a random wait between half and all of the step) from {@code baseDelay} up to {@code maxDelay}.
 */
public record RetryPolicy(int maxAttempts, Duration baseDelay, Duration maxDelay, Duration maxServerWait) {
    public RetryPolicy {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1, was " + maxAttempts);
        }
    }

    /** How long to wait before attempt {@code attempt + 1}, or empty to give up now. */
    public Optional<Duration> delay(int attempt, WireFailure failure) {
        if (!failure.retryable() || attempt >= maxAttempts) {
            return Optional.empty();
        }
        Optional<Duration> asked = failure.error().retryAfter();
        if (asked.isPresent()) {
            return asked.get().compareTo(maxServerWait) <= 0 ? asked : Optional.empty();
        }
        long ceiling = Math.min(maxDelay.toMillis(), baseDelay.toMillis() << Math.min(attempt - 1, 20));
        return Optional.of(Duration.ofMillis(ThreadLocalRandom.current().nextLong(ceiling / 2, ceiling + 1)));
    }
}
