package dev.meridian.engine.model;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import dev.meridian.engine.EngineException;

/**
 * Splits row ranges over a fixed set of threads: the caller takes the first share, each worker one of the others.
 * A decode step hands out a few hundred small jobs, so workers spin briefly between jobs before parking, and the
 * caller spins for their completion: waking a parked thread per job would cost more than many of the jobs.
 * Calls are serialized (one job at a time); closing stops the workers.
 */
public final class Parallel implements AutoCloseable {
    /** Work on rows {@code [from, to)}. */
    @FunctionalInterface
    public interface RowTask {
        void run(int from, int to);
    }

    private static final long SPIN_NANOS = 200_000;

    private final int threads;
    private final Thread[] workers;
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile RowTask task;
    private volatile int rows;
    private volatile int shares;
    private volatile long epoch;
    private volatile boolean closed;

    public Parallel(int threads) {
        this.threads = Math.max(1, threads);
        this.workers = new Thread[this.threads - 1];
        for (int i = 0; i < workers.length; i++) {
            int share = i + 1;
            workers[i] = new Thread(() -> work(share), "meridian-engine-worker-" + share);
            workers[i].setDaemon(true);
            workers[i].start();
        }
    }

    public int threads() {
        return threads;
    }

    /** Runs {@code task} over {@code [0, rows)} split in contiguous shares, and waits for all of them. */
    public void rows(int rows, RowTask task) {
        split(rows, Math.min(threads, Math.max(1, rows / 16)), task);
    }

    /** As {@link #rows}, for a few large tasks (tokens of a batch): split as soon as there are two. */
    public void tasks(int count, RowTask task) {
        split(count, Math.min(threads, Math.max(1, count)), task);
    }

    private synchronized void split(int rows, int n, RowTask task) {
        if (n == 1 || closed) {
            task.run(0, rows);
            return;
        }
        this.task = task;
        this.rows = rows;
        this.shares = n;
        pending.set(n - 1);
        epoch++;
        for (int i = 0; i < n - 1; i++) {
            LockSupport.unpark(workers[i]);
        }
        Throwable failed;
        try {
            task.run(0, rows / n);
        } finally {
            // the workers finish their shares before the next call may hand out new ones, and a failure of theirs
            // is not left behind for that call when the caller's own share failed too
            long spinStart = System.nanoTime();
            while (pending.get() > 0) {
                if (System.nanoTime() - spinStart < SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
            }
            this.task = null;
            failed = failure.getAndSet(null);
        }
        if (failed != null) {
            throw new EngineException("kernel failed: " + failed, failed);
        }
    }

    private void work(int share) {
        long seen = 0;
        while (!closed) {
            long spinStart = System.nanoTime();
            while (epoch == seen && !closed) {
                if (System.nanoTime() - spinStart < SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this); // idle: until the next job (split unparks) or close; no timed wake-ups
                }
            }
            if (closed) {
                return;
            }
            seen = epoch;
            if (share < shares) {
                int n = shares;
                int total = rows;
                try {
                    task.run((int) ((long) total * share / n), (int) ((long) total * (share + 1) / n));
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                } finally {
                    pending.decrementAndGet();
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread worker : workers) {
            LockSupport.unpark(worker);
        }
    }
}
