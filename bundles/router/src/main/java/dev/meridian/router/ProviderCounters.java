package dev.meridian.router;

import java.time.Duration;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import dev.meridian.api.Completion;
import dev.meridian.api.ErrorKind;
import dev.meridian.api.routing.ProviderStats;

/**
 * The router's counters for one provider id. Kept by id, not by service, so they survive bundle swaps and pin no
 * class loader. Latency and speed come from a ring of the most recent completed requests.
 */
final class ProviderCounters {
    private static final int WINDOW = 1024;

    private final LongAdder requests = new LongAdder();
    private final LongAdder completed = new LongAdder();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Map<ErrorKind, LongAdder> errors = new EnumMap<>(ErrorKind.class);
    private final long[] latencyNanos = new long[WINDOW]; // guarded by this
    private final int[] tokens = new int[WINDOW]; // guarded by this
    private int samples; // guarded by this

    ProviderCounters() {
        for (ErrorKind kind : ErrorKind.values()) {
            errors.put(kind, new LongAdder());
        }
    }

    void started() {
        requests.increment();
        inFlight.incrementAndGet();
    }

    void ended(Completion completion) {
        inFlight.decrementAndGet();
        if (completion.error() != null) {
            errors.get(completion.error().kind()).increment();
            return;
        }
        completed.increment();
        long nanos = completion.provenance().latency().toNanos();
        synchronized (this) {
            int slot = samples++ % WINDOW;
            latencyNanos[slot] = nanos;
            tokens[slot] = completion.usage().completionTokens();
        }
    }

    ProviderStats snapshot() {
        long[] latencies;
        long tokenSum = 0;
        synchronized (this) {
            int n = Math.min(samples, WINDOW);
            latencies = Arrays.copyOf(latencyNanos, n);
            for (int i = 0; i < n; i++) {
                tokenSum += tokens[i];
            }
        }
        Arrays.sort(latencies);
        long latencySum = Arrays.stream(latencies).sum();
        Map<String, Long> errorsByKind = new TreeMap<>();
        errors.forEach((kind, count) -> {
            if (count.sum() > 0) {
                errorsByKind.put(kind.label(), count.sum());
            }
        });
        return new ProviderStats(requests.sum(), inFlight.get(), completed.sum(), errorsByKind,
                percentile(latencies, 0.5), percentile(latencies, 0.99),
                latencySum == 0 ? 0 : tokenSum * 1e9 / latencySum);
    }

    private static Duration percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return Duration.ZERO;
        }
        int index = (int) Math.ceil(p * sorted.length) - 1;
        return Duration.ofNanos(sorted[Math.max(0, index)]);
    }
}
