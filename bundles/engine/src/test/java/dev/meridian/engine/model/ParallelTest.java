package dev.meridian.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/** The thread hand-off: every row once, failures reported, and a failed job leaving nothing behind. */
class ParallelTest {

    @Test
    void everyRowOnceAndAFailedJobDoesNotLeakIntoTheNext() {
        try (Parallel parallel = new Parallel(2)) {
            AtomicInteger rows = new AtomicInteger();
            parallel.rows(1000, (from, to) -> rows.addAndGet(to - from));
            assertEquals(1000, rows.get());

            // both shares fail: the caller's own failure comes out, the worker's must not wait for the next job
            assertThrows(IllegalStateException.class, () -> parallel.rows(1000, (from, to) -> {
                throw new IllegalStateException("share " + from + " failed");
            }));
            rows.set(0);
            parallel.rows(1000, (from, to) -> rows.addAndGet(to - from));
            assertEquals(1000, rows.get());
        }
    }
}
