package dev.meridian.cloud.internal;

import java.time.Duration;

import dev.meridian.api.Availability;
import dev.meridian.api.ModelException;

/**
 * What a cloud provider learned about its endpoint from recent exchanges, as {@link Availability}: after a quota
 * or balance error it reports {@code quota-exhausted} for a cool-down, after a rejected key {@code not-configured},
 * after a failed connection {@code unreachable}; any success clears it. Thread-safe.
 */
public final class ProviderHealth {
    /** {@link ModelException#reason()} of a connection that could not be made. */
    public static final String UNREACHABLE = "unreachable";

    private record Verdict(Availability availability, long untilNanos) {
    }

    private final Duration quotaCoolDown;
    private final Duration authCoolDown;
    private final Duration unreachableCoolDown;
    private volatile Verdict verdict;

    public ProviderHealth(Duration quotaCoolDown, Duration authCoolDown, Duration unreachableCoolDown) {
        this.quotaCoolDown = quotaCoolDown;
        this.authCoolDown = authCoolDown;
        this.unreachableCoolDown = unreachableCoolDown;
    }

    /** Availability now: {@code notConfigured} when there is no key, else the latest verdict while it lasts. */
    public Availability availability(boolean hasKey, String notConfigured) {
        if (!hasKey) {
            return Availability.of(Availability.State.NOT_CONFIGURED, notConfigured);
        }
        Verdict current = verdict;
        if (current != null && System.nanoTime() - current.untilNanos() < 0) {
            return current.availability();
        }
        return Availability.AVAILABLE;
    }

    public void succeeded() {
        verdict = null;
    }

    public void failed(ModelException error) {
        switch (error.kind()) {
            case QUOTA_EXHAUSTED -> judge(Availability.State.QUOTA_EXHAUSTED, "quota or balance exhausted; retry after "
                    + quotaCoolDown.toSeconds() + " s", quotaCoolDown);
            case AUTHENTICATION -> judge(Availability.State.NOT_CONFIGURED, "API key rejected by the endpoint",
                    authCoolDown);
            case UNAVAILABLE -> {
                if (UNREACHABLE.equals(error.reason())) {
                    judge(Availability.State.UNREACHABLE, error.getMessage(), unreachableCoolDown);
                }
            }
            default -> {
                // rate limits, timeouts and bad requests say nothing lasting about the endpoint
            }
        }
    }

    private void judge(Availability.State state, String reason, Duration coolDown) {
        verdict = new Verdict(Availability.of(state, reason), System.nanoTime() + coolDown.toNanos());
    }
}
