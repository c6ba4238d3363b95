package dev.meridian.cloud.internal;

import java.util.concurrent.atomic.AtomicReference;

/**
 * A task that lets go of its work once it has run. A finished thread can outlive its work: Felix 7.0.5 leaves a
 * thread that raced another over defining the same class in that bundle's class-lock table for as long as the
 * class loader lives, and a thread keeps its task. Through a task that still held a backend, such a thread closed
 * a cycle (class loader, thread, backend, HTTP client, and the client's shutdown exception, whose stack names the
 * old bundle's classes) that the JDK's cleaner held from outside: the old revision was never collected.
 */
public final class ReleasingTask implements Runnable {
    private final AtomicReference<Runnable> work;

    public ReleasingTask(Runnable work) {
        this.work = new AtomicReference<>(work);
    }

    @Override
    public void run() {
        Runnable once = work.getAndSet(null);
        if (once != null) {
            once.run();
        }
    }
}
