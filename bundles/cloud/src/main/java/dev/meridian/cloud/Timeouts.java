package dev.meridian.cloud;

import java.time.Duration;

/**
 * The four limits of one streamed exchange: to connect; from sending the request to the first delta; the longest
 * gap between two chunks; and the whole exchange.
 */
public record Timeouts(Duration connect, Duration firstToken, Duration idle, Duration total) {
    public Timeouts {
        for (Duration d : new Duration[] { connect, firstToken, idle, total }) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("timeouts must be positive: " + connect + ", " + firstToken + ", "
                        + idle + ", " + total);
            }
        }
    }

    public static Timeouts ofMillis(long connect, long firstToken, long idle, long total) {
        return new Timeouts(Duration.ofMillis(connect), Duration.ofMillis(firstToken), Duration.ofMillis(idle),
                Duration.ofMillis(total));
    }
}
