package dev.meridian.test.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceListener;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;

import dev.meridian.api.ChatRequest;
import dev.meridian.api.ChatResponse;
import dev.meridian.api.Completion;
import dev.meridian.api.ModelException;
import dev.meridian.api.ModelProvider;
import dev.meridian.api.ProviderProperties;
import dev.meridian.api.StreamHandle;
import dev.meridian.api.StreamListener;
import dev.meridian.api.routing.ProviderStatus;
import dev.meridian.api.routing.Routing;
import dev.meridian.test.trust.DevelopmentTrust;

/**
 * Hot swap under load with a real provider bundle: 16 streams run without pause while the bundle is updated and
 * uninstalled/reinstalled 20 times. No request may fail; each stream stays on the revision that started it (or,
 * before its first token, moves to the other eligible provider); the new revision serves within 100 ms of its
 * registration; no old revision stays reachable.
 */
class HotSwapTest {
    private static final int STREAMS = 16;
    private static final int SWAPS = 20;
    private static final String PACED = "paced";

    @InjectBundleContext
    BundleContext context;
    @InjectService
    ConfigurationAdmin cm;
    @InjectService
    Routing routing;
    @InjectService(filter = ModelProvider.ROUTED_FILTER)
    ModelProvider routed;

    private Configuration policy;

    @BeforeEach
    void setUp() throws Exception {
        DevelopmentTrust.apply(context, cm, routing);
        policy = Policies.policy(cm, "SWAP", new String[] { "device" }, new String[] { PACED, "swap-fallback" });
        Policies.await(() -> routing.policies().containsKey("SWAP"), "the SWAP policy is active");
        Policies.region(cm, "SWAP");
        Policies.await(() -> routing.activeRegion().equals("SWAP"), "region SWAP is active");
    }

    @AfterEach
    void tearDown() throws Exception {
        policy.delete();
    }

    @Test
    void swapsUnderLoadWithoutAFailedRequest() throws Exception {
        ScriptedProvider.paced("swap-fallback", "device", 20, 3).register(context);
        Bundle provider = install();

        Load load = new Load();
        List<WeakReference<Class<?>>> oldRevisions = new ArrayList<>();
        List<Long> servedAfterMillis = new ArrayList<>();
        try {
            Thread.sleep(100);
            for (int swap = 0; swap < SWAPS; swap++) {
                oldRevisions.add(new WeakReference<>(providerClass()));
                provider = swap(provider, swap % 2 == 0, servedAfterMillis);
                Thread.sleep(30);
            }
        } finally {
            load.stop();
        }

        List<Long> sorted = servedAfterMillis.stream().sorted().toList();
        System.out.printf("hot swap: %d requests completed during %d swaps; registration to first token of the new "
                + "revision: median %d ms, max %d ms; served by %s%n", load.completed.get(), SWAPS,
                sorted.get(sorted.size() / 2), sorted.get(sorted.size() - 1), load.servedBy);
        assertThat(load.failures).as("failed or mixed requests").isEmpty();
        assertThat(load.completed.get()).isGreaterThan(STREAMS * SWAPS);
        assertThat(load.servedBy.get(PACED)).as("requests served by the swapped bundle").isNotNull();
        assertThat(servedAfterMillis).as("ms from registration to first token of the new revision")
                .hasSize(SWAPS).allSatisfy(ms -> assertThat(ms).isLessThan(100));

        List<ProviderStatus> paced = routing.providers().stream().filter(p -> p.id().equals(PACED)).toList();
        assertThat(paced).hasSize(1);
        assertThat(paced.get(0).bundle()).startsWith(provider.getSymbolicName());
        assertThat(paced.get(0).stats().inFlight()).isZero();

        refreshAndCollect(oldRevisions);
        assertThat(oldRevisions).as("old provider revisions still reachable")
                .allSatisfy(ref -> assertThat(ref.get()).isNull());
    }

    /**
     * Issue 9: the region's only provider is updated (in place, or uninstalled and installed again) under load; the
     * requests that arrive between the old revision leaving and the new one registering wait for it (the router's
     * swap wait) instead of failing.
     */
    @Test
    void theOnlyProviderOfARegionIsUpdatedWithoutAFailedRequest() throws Exception {
        Configuration only = Policies.policy(cm, "SWAPONLY", new String[] { "device" }, new String[] { PACED });
        try {
            Policies.await(() -> routing.policies().containsKey("SWAPONLY"), "the SWAPONLY policy is active");
            Policies.region(cm, "SWAPONLY");
            Policies.await(() -> routing.activeRegion().equals("SWAPONLY"), "region SWAPONLY is active");
            Bundle provider = install();
            Policies.await(() -> routing.providers().stream().anyMatch(p -> p.id().equals(PACED) && p.eligible()),
                    "the paced provider serves");
            Load load = new Load();
            try {
                Thread.sleep(100);
                for (int swap = 0; swap < SWAPS; swap++) {
                    provider = swap(provider, swap % 2 == 0, new ArrayList<>());
                    Thread.sleep(30);
                }
            } finally {
                load.stop();
            }
            System.out.printf("single-provider swap: %d requests completed during %d swaps, %d failed%n",
                    load.completed.get(), SWAPS, load.failures.size());
            assertThat(load.failures).as("failed or mixed requests").isEmpty();
            assertThat(load.servedBy.keySet()).containsExactly(PACED);
            assertThat(load.completed.get()).isGreaterThan(STREAMS * SWAPS);
            provider.uninstall();
        } finally {
            only.delete();
        }
    }

    /** {@value #STREAMS} threads calling the routed provider until stopped, checking each answer. */
    private final class Load {
        final Map<String, AtomicInteger> servedBy = new ConcurrentHashMap<>();
        final List<String> failures = new CopyOnWriteArrayList<>();
        final AtomicLong completed = new AtomicLong();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final List<Thread> workers = new ArrayList<>();

        Load() {
            for (int i = 0; i < STREAMS; i++) {
                workers.add(Thread.ofPlatform().name("swap-load-" + i).start(() -> {
                    while (running.get()) {
                        try {
                            ChatResponse response = routed.call(ChatRequest.of("go"));
                            String problem = wholeFromOneInstance(response.text());
                            if (problem != null) {
                                failures.add(problem + " from " + response.provenance());
                            }
                            servedBy.computeIfAbsent(response.provenance().providerId(), k -> new AtomicInteger())
                                    .incrementAndGet();
                            completed.incrementAndGet();
                        } catch (ModelException e) {
                            failures.add(e + " " + e.provenance().orElse(null));
                        }
                    }
                }));
            }
        }

        void stop() throws InterruptedException {
            running.set(false);
            for (Thread worker : workers) {
                worker.join(TimeUnit.SECONDS.toMillis(30));
            }
        }
    }

    /** Updates the bundle in place, or uninstalls and reinstalls it; records when the new revision served. */
    private Bundle swap(Bundle provider, boolean update, List<Long> servedAfterMillis) throws Exception {
        RegistrationClock clock = new RegistrationClock();
        context.addServiceListener(clock, "(" + ProviderProperties.ID + "=" + PACED + ")");
        try {
            if (update) {
                try (InputStream in = jar()) {
                    provider.update(in);
                }
            } else {
                provider.uninstall();
                Thread.sleep(20); // requests meanwhile go to the fallback provider
                provider = install();
            }
            servedAfterMillis.add(firstServedAfterRegistration(clock));
            return provider;
        } finally {
            context.removeServiceListener(clock);
        }
    }

    /** Every piece of a paced answer is "<instance>:<n> " from the same instance, n = 0..19. */
    private static String wholeFromOneInstance(String text) {
        String[] pieces = text.strip().split(" ");
        if (pieces.length != 20) {
            return "expected 20 pieces, got " + pieces.length + ": " + text;
        }
        String instance = pieces[0].substring(0, pieces[0].indexOf(':'));
        for (int n = 0; n < pieces.length; n++) {
            if (!pieces[n].equals(instance + ":" + n)) {
                return "piece " + n + " is " + pieces[n] + ", not from " + instance;
            }
        }
        return null;
    }

    private Bundle install() throws Exception {
        try (InputStream in = jar()) {
            Bundle bundle = context.installBundle("meridian-test:paced-provider", in);
            bundle.start();
            return bundle;
        }
    }

    private InputStream jar() {
        return getClass().getResourceAsStream("/bundles/test-provider.jar");
    }

    private Class<?> providerClass() throws Exception {
        ServiceReference<ModelProvider> reference = context.getServiceReferences(ModelProvider.class,
                "(" + ProviderProperties.ID + "=" + PACED + ")").stream().findFirst().orElseThrow();
        try {
            return context.getService(reference).getClass();
        } finally {
            context.ungetService(reference);
        }
    }

    /** When the new revision's service registered; then how long until a request got its first token from it. */
    private long firstServedAfterRegistration(RegistrationClock clock) throws Exception {
        assertThat(clock.registered.await(10, TimeUnit.SECONDS)).as("new revision registered").isTrue();
        while (true) {
            CountDownLatch firstToken = new CountDownLatch(1);
            AtomicBoolean gotText = new AtomicBoolean();
            Completion[] end = new Completion[1];
            StreamHandle handle = routed.stream(ChatRequest.of("probe").withProvider(PACED), new StreamListener() {
                @Override
                public void onText(String delta) {
                    gotText.set(true);
                    firstToken.countDown();
                }

                @Override
                public void onComplete(Completion completion) {
                    end[0] = completion;
                    firstToken.countDown();
                }
            });
            assertThat(firstToken.await(5, TimeUnit.SECONDS)).isTrue();
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - clock.at.get());
            handle.cancel();
            if (gotText.get()) {
                return millis;
            }
            if (millis > 1000) {
                throw new AssertionError("new revision did not serve: " + end[0].error());
            }
        }
    }

    private void refreshAndCollect(List<WeakReference<Class<?>>> refs) throws Exception {
        CountDownLatch refreshed = new CountDownLatch(1);
        context.getBundle(0).adapt(FrameworkWiring.class).refreshBundles(null, event -> {
            if (event.getType() == FrameworkEvent.PACKAGES_REFRESHED) {
                refreshed.countDown();
            }
        });
        refreshed.await(10, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (refs.stream().anyMatch(ref -> ref.get() != null) && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(100);
        }
    }

    private static final class RegistrationClock implements ServiceListener {
        final CountDownLatch registered = new CountDownLatch(1);
        final AtomicLong at = new AtomicLong();

        @Override
        public void serviceChanged(ServiceEvent event) {
            if (event.getType() == ServiceEvent.REGISTERED && registered.getCount() > 0) {
                at.set(System.nanoTime());
                registered.countDown();
            }
        }
    }
}
