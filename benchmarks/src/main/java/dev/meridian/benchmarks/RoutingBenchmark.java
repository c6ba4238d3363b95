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
import dev.meridian.api.Completion;
import dev.meridian.api.ModelProvider;
import dev.meridian.api.StreamListener;
import dev.meridian.api.routing.RegionPolicy;
import dev.meridian.router.ProviderEntry;
import dev.meridian.router.Router;

/**
 * The cost the router adds to a call: the same in-memory provider called directly and through the router (region
 * CN with four registered providers, two of them of scopes the region does not allow, the preferred one
 * unavailable-free). Sample time gives the median and p99 per call.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
public class RoutingBenchmark {
    private static final ChatRequest REQUEST = ChatRequest.of("hello");

    private ModelProvider direct;
    private Router router;

    @Setup
    public void setUp() {
        direct = new InMemoryProvider("qwen", "cn-mainland");
        router = new Router("CN");
        router.setTrust(BenchTrust.TRUST);
        router.setPolicies(List.of(
                new RegionPolicy("CN", List.of("cn-mainland", "device"), List.of("qwen", "local")),
                new RegionPolicy("GLOBAL", List.of("global", "device"), List.of("openai", "local"))));
        router.addProvider(
                new ProviderEntry(direct, "qwen", "cn-mainland", List.of(), 0, 1, "bench", BenchTrust.SIGNED));
        router.addProvider(new ProviderEntry(new InMemoryProvider("local", "device"), "local", "device", List.of(),
                0, 2, "bench", BenchTrust.SIGNED));
        router.addProvider(new ProviderEntry(new InMemoryProvider("openai", "global"), "openai", "global",
                List.of(), 0, 3, "bench", BenchTrust.SIGNED));
        router.addProvider(new ProviderEntry(new InMemoryProvider("openai-eu", "eu"), "openai-eu", "eu", List.of(),
                0, 4, "bench", BenchTrust.SIGNED));
    }

    @Benchmark
    public void direct(Blackhole hole) {
        direct.stream(REQUEST, new Sink(hole));
    }

    @Benchmark
    public void routed(Blackhole hole) {
        router.stream(REQUEST, new Sink(hole));
    }

    /** Consumes the stream so nothing is optimized away. */
    static final class Sink implements StreamListener {
        private final Blackhole hole;

        Sink(Blackhole hole) {
            this.hole = hole;
        }

        @Override
        public void onText(String delta) {
            hole.consume(delta);
        }

        @Override
        public void onComplete(Completion completion) {
            hole.consume(completion);
        }
    }
}
