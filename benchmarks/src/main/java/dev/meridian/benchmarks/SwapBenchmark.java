package dev.meridian.benchmarks;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import dev.meridian.api.ChatRequest;
import dev.meridian.api.routing.RegionPolicy;
import dev.meridian.router.ProviderEntry;
import dev.meridian.router.Router;

/**
 * Swap latency inside the router: a new revision of the preferred provider registers, the old one leaves, and the
 * next request is served by the new one. Measures bind + unbind + the first routed call, i.e. how long after its
 * registration a new revision serves (the OSGi service event delivery itself is synchronous and not included).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
public class SwapBenchmark {
    private static final ChatRequest REQUEST = ChatRequest.of("hello");

    private Router router;
    private long serviceId = 10;
    private ProviderEntry current;

    @Setup
    public void setUp() {
        router = new Router("CN");
        router.setTrust(BenchTrust.TRUST);
        router.setPolicies(List.of(new RegionPolicy("CN", List.of("cn-mainland", "device"),
                List.of("qwen", "local"))));
        router.addProvider(new ProviderEntry(new InMemoryProvider("local", "device"), "local", "device", List.of(),
                0, 1, "bench", BenchTrust.SIGNED));
        current = revision();
        router.addProvider(current);
    }

    private ProviderEntry revision() {
        return new ProviderEntry(new InMemoryProvider("qwen", "cn-mainland"), "qwen", "cn-mainland", List.of(), 0,
                ++serviceId, "bench", BenchTrust.SIGNED);
    }

    @Benchmark
    public void swapThenServe(Blackhole hole) {
        ProviderEntry next = revision();
        router.addProvider(next); // SCR binds the new revision before it unbinds the old one
        router.removeProvider(current.serviceId());
        current = next;
        router.stream(REQUEST, new RoutingBenchmark.Sink(hole));
    }
}
