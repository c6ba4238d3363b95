package dev.meridian.api.routing;

import java.time.Duration;
import java.util.Map;

/**
 * What the router counted for one provider id since the host started (kept across bundle swaps).
 *
 * @param requests        requests sent to it
 * @param inFlight        requests it is serving now
 * @param completed       requests it finished without error
 * @param errors          failed requests by error kind label ({@code rate-limited}, ...)
 * @param medianLatency   median latency of recent completed requests
 * @param p99Latency      99th percentile of the same
 * @param tokensPerSecond generated tokens per second over recent completed requests
 */
public record ProviderStats(long requests, int inFlight, long completed, Map<String, Long> errors,
        Duration medianLatency, Duration p99Latency, double tokensPerSecond) {

    public ProviderStats {
        errors = Map.copyOf(errors);
    }

    public long errorCount() {
        return errors.values().stream().mapToLong(Long::longValue).sum();
    }
}
