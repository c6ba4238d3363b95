package dev.meridian.engine.model;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;

import dev.meridian.engine.EngineException;

/**
 * Splits row ranges over a fixed set of threads: the caller takes one share, the workers the others. Closing stops
 * the workers.
 */
public final class Parallel implements AutoCloseable {
    /** Work on rows {@code [from, to)}. */
    @FunctionalInterface
    public interface RowTask {
        void run(int from, int to);
    }

    private final int threads;
    private final ExecutorService workers;

    public Parallel(int threads) {
        this.threads = Math.max(1, threads);
        this.workers = this.threads == 1 ? null : Executors.newFixedThreadPool(this.threads - 1, r -> {
            Thread thread = new Thread(r, "meridian-engine-worker");
            thread.setDaemon(true);
            return thread;
        });
    }

    public int threads() {
        return threads;
    }

    /** Runs {@code task} over {@code [0, rows)} split in contiguous shares, and waits for all of them. */
    public void rows(int rows, RowTask task) {
        int shares = Math.min(threads, Math.max(1, rows / 16));
        if (shares == 1) {
            task.run(0, rows);
            return;
        }
        CountDownLatch done = new CountDownLatch(shares - 1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int s = 1; s < shares; s++) {
            int from = (int) ((long) rows * s / shares);
            int to = (int) ((long) rows * (s + 1) / shares);
            workers.execute(() -> {
                try {
                    task.run(from, to);
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                } finally {
                    done.countDown();
                }
            });
        }
        task.run(0, rows / shares);
        try {
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EngineException("interrupted");
        }
        if (failure.get() != null) {
            throw new EngineException("kernel failed: " + failure.get(), failure.get());
        }
    }

    @Override
    public void close() {
        if (workers != null) {
            workers.shutdownNow();
        }
    }
}
