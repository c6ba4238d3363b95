package dev.meridian.cloud.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.lang.ref.WeakReference;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/** A finished thread that stays referenced must not keep what its task held (the soak's leaked revisions). */
class ReleasingTaskTest {

    /** Work holding a backend that nothing else holds; {@code held} sees when it is collected. */
    private static Runnable workHolding(AtomicInteger runs, WeakReference<Object>[] held) {
        Object backend = new Object();
        held[0] = new WeakReference<>(backend);
        return () -> {
            runs.incrementAndGet();
            backend.hashCode();
        };
    }

    @Test
    @SuppressWarnings("unchecked")
    void runsItsWorkOnceAndThenNoLongerHoldsIt() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        WeakReference<Object>[] held = new WeakReference[1];
        ReleasingTask task = new ReleasingTask(workHolding(runs, held));
        Thread thread = Thread.ofVirtual().start(task);
        thread.join();
        task.run();

        assertEquals(1, runs.get());
        // the finished thread and its task are still referenced here, as a leaked lock entry references them
        for (int i = 0; i < 50 && held[0].get() != null; i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertNull(held[0].get(), "what the work held, after it ran");
        assertFalse(thread.isAlive());
    }
}
