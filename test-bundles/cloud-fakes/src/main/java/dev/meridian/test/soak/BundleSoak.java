package dev.meridian.test.soak;

import java.lang.management.ManagementFactory;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.framework.wiring.FrameworkWiring;

import dev.meridian.api.ChatRequest;
import dev.meridian.api.ModelException;
import dev.meridian.api.ModelProvider;

/**
 * A device's years in minutes: provider bundles updated in place again and again while requests run through the
 * router, then what must come back: every old revision's classes collected, the thread count and the heap where
 * they were before. {@code MERIDIAN_SOAK_CYCLES} in the build's environment sets the cycles (the tests' default is
 * small; docs/benchmarks.md has the full run).
 */
public final class BundleSoak {

    /** What a soak left behind. */
    public record Report(int cycles, long completed, List<String> failures, int threadsBefore, int threadsAfter,
            List<String> newThreads, long heapBefore, long heapAfter, int oldRevisions, int oldRevisionsReachable,
            long millis) {

        @Override
        public String toString() {
            return String.format("%d update cycles, %d requests completed, %d failed; threads %d -> %d %s; heap after "
                    + "GC %d -> %d MiB; old revisions %d, still reachable %d; %.1f s", cycles, completed,
                    failures.size(), threadsBefore, threadsAfter, newThreads, heapBefore >> 20, heapAfter >> 20,
                    oldRevisions, oldRevisionsReachable, millis / 1000.0);
        }
    }

    private BundleSoak() {
    }

    /** {@code MERIDIAN_SOAK_CYCLES} from the environment, else {@code defaultCycles}. */
    public static int cycles(int defaultCycles) {
        String value = System.getenv("MERIDIAN_SOAK_CYCLES");
        return value == null || value.isBlank() ? defaultCycles : Integer.parseInt(value.strip());
    }

    /**
     * Updates each of {@code bundles} {@code cycles} times (in place, from their own location) while {@code streams}
     * threads send {@code requests} to {@code routed}; each update waits until the provider {@code ids} serve again.
     */
    public static Report run(BundleContext context, ModelProvider routed, List<Bundle> bundles, List<String> ids,
            Supplier<ChatRequest> requests, int streams, int cycles) throws Exception {
        return run(context, routed, bundles, ids, requests, streams, cycles, java.time.Duration.ofSeconds(60));
    }

    /** As above, waiting at most {@code collectFor} for the old revisions to be collected. */
    public static Report run(BundleContext context, ModelProvider routed, List<Bundle> bundles, List<String> ids,
            Supplier<ChatRequest> requests, int streams, int cycles, java.time.Duration collectFor)
            throws Exception {
        // one warm-up cycle first: the framework's resolver threads and the router's swap timer start once, on the
        // first update; what is measured is what each further cycle leaves
        for (int b = 0; b < bundles.size(); b++) {
            bundles.get(b).update();
            awaitProvider(context, ids.get(b));
        }
        refresh(context);
        settle();
        java.util.Set<String> before = threadNames();
        int threadsBefore = before.size();
        long heapBefore = heapAfterGc();
        long start = System.nanoTime();
        List<String> failures = new CopyOnWriteArrayList<>();
        AtomicLong completed = new AtomicLong();
        AtomicBoolean running = new AtomicBoolean(true);
        List<Thread> load = new ArrayList<>();
        for (int i = 0; i < streams; i++) {
            load.add(Thread.ofPlatform().name("soak-load-" + i).start(() -> {
                while (running.get()) {
                    try {
                        routed.call(requests.get());
                        completed.incrementAndGet();
                    } catch (ModelException e) {
                        failures.add(e.toString());
                    }
                }
            }));
        }
        // each revision's class loader, weakly: collected exactly when none of its classes is reachable any more.
        // Not the provider's class from getService().getClass(): C2 folds that call, in this long-running loop, to
        // the class it saw first, and the compiled loop then holds that one revision for as long as it runs
        List<WeakReference<ClassLoader>> old = new ArrayList<>();
        try {
            for (int cycle = 0; cycle < cycles; cycle++) {
                for (int b = 0; b < bundles.size(); b++) {
                    awaitProvider(context, ids.get(b));
                    old.add(new WeakReference<>(bundles.get(b).adapt(BundleWiring.class).getClassLoader()));
                    bundles.get(b).update();
                    awaitProvider(context, ids.get(b));
                }
            }
        } finally {
            running.set(false);
            for (Thread thread : load) {
                thread.join(TimeUnit.SECONDS.toMillis(30));
            }
        }
        refresh(context);
        // some holds end on their own clock: a request's swap wait (seconds), an idle HTTP connection's keep-alive
        long collecting = System.nanoTime();
        long deadline = collecting + collectFor.toNanos();
        while (old.stream().anyMatch(ref -> ref.get() != null) && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(100);
        }
        System.out.printf("soak: old revisions collected %d ms after the last update%n",
                (System.nanoTime() - collecting) / 1_000_000);
        List<Integer> kept = java.util.stream.IntStream.range(0, old.size()).filter(i -> old.get(i).get() != null)
                .boxed().toList();
        if (!kept.isEmpty()) {
            // which updates' revisions stay says whether it is the first ones (warm-up, JIT) or a steady rate
            System.out.println("soak: still reachable, by update number: " + kept);
        }
        if (old.stream().anyMatch(ref -> ref.get() != null) && System.getenv("MERIDIAN_SOAK_INSPECT") != null) {
            // time to look from outside: jcmd PID Thread.dump_to_file, GC.class_histogram
            System.out.println("soak: old revisions still reachable; inspect pid " + ProcessHandle.current().pid());
            java.nio.file.Files.writeString(java.nio.file.Path.of(System.getenv("MERIDIAN_SOAK_INSPECT")),
                    String.valueOf(ProcessHandle.current().pid()));
            Thread.sleep(TimeUnit.SECONDS.toMillis(90));
        }
        settle();
        java.util.Set<String> after = threadNames();
        List<String> newThreads = after.stream().filter(name -> !before.contains(name)).sorted().toList();
        return new Report(cycles, completed.get(), List.copyOf(failures), threadsBefore, after.size(), newThreads,
                heapBefore, heapAfterGc(), old.size(), (int) old.stream().filter(ref -> ref.get() != null).count(),
                (System.nanoTime() - start) / 1_000_000);
    }

    private static ServiceReference<ModelProvider> awaitProvider(BundleContext context, String id) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            var references = context.getServiceReferences(ModelProvider.class, "(meridian.provider.id=" + id + ")");
            if (!references.isEmpty()) {
                return references.iterator().next();
            }
            Thread.sleep(5);
        }
        throw new AssertionError("provider " + id + " did not come back after an update");
    }

    private static void refresh(BundleContext context) throws InterruptedException {
        CountDownLatch refreshed = new CountDownLatch(1);
        context.getBundle(0).adapt(FrameworkWiring.class).refreshBundles(null, event -> {
            if (event.getType() == FrameworkEvent.PACKAGES_REFRESHED) {
                refreshed.countDown();
            }
        });
        refreshed.await(20, TimeUnit.SECONDS);
    }

    /** Lets threads that are ending (drains, retirements, idle pools) end before counting. */
    private static void settle() throws InterruptedException {
        for (int i = 0; i < 30; i++) {
            System.gc();
            Thread.sleep(100);
        }
    }

    /** The live platform threads, by name and id (two threads may share a name). */
    private static java.util.Set<String> threadNames() {
        java.util.Set<String> names = new java.util.HashSet<>();
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            names.add(thread.getName() + "#" + thread.threadId());
        }
        return names;
    }

    private static long heapAfterGc() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
