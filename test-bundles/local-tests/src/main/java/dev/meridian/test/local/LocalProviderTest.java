package dev.meridian.test.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;

import dev.meridian.api.Availability;
import dev.meridian.api.ChatRequest;
import dev.meridian.api.ChatResponse;
import dev.meridian.api.Completion;
import dev.meridian.api.ErrorKind;
import dev.meridian.api.FinishReason;
import dev.meridian.api.GenerationOptions;
import dev.meridian.api.ModelException;
import dev.meridian.api.ModelProvider;
import dev.meridian.api.ProviderProperties;
import dev.meridian.api.StreamHandle;
import dev.meridian.api.StreamListener;
import dev.meridian.api.routing.Routing;
import dev.meridian.test.trust.DevelopmentTrust;

/**
 * The on-device provider in the framework, on the real 260K-parameter story model of the shared test data: load
 * with availability, answers through the router and the console, cancel, bad files and long prompts.
 */
class LocalProviderTest {
    private static final AtomicInteger COUNTER = new AtomicInteger();

    @InjectBundleContext
    BundleContext context;
    @InjectService
    ConfigurationAdmin cm;
    @InjectService
    Routing routing;
    @InjectService(filter = ModelProvider.ROUTED_FILTER)
    ModelProvider routed;
    @InjectService(timeout = 5000)
    CommandProcessor processor;

    private final List<Configuration> configurations = new ArrayList<>();

    private Path model(String name) {
        String dir = context.getProperty("meridian.testdata");
        Path file = dir == null ? null : Path.of(dir, "models", name);
        Assumptions.assumeTrue(file != null && Files.exists(file),
                "../shared/testdata/models/" + name + " is absent: test skipped");
        return file;
    }

    @BeforeEach
    void region() throws Exception {
        DevelopmentTrust.apply(context, cm, routing);
        Configuration policy = cm.getFactoryConfiguration(Routing.POLICY_FACTORY_PID, "DEVICEONLY", "?");
        Dictionary<String, Object> properties = new Hashtable<>();
        properties.put("region", "DEVICEONLY");
        properties.put("scopes", new String[] { "device" });
        policy.update(properties);
        configurations.add(policy);
        await(() -> routing.policies().containsKey("DEVICEONLY"), 10_000);
        routing.selectRegion("DEVICEONLY");
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Configuration configuration : configurations) {
            configuration.delete();
        }
        // deletions arrive asynchronously: the next test's wait for its policy must not be met by this one
        await(() -> !routing.policies().containsKey("DEVICEONLY"), 10_000);
    }

    private String provider(Path file, Map<String, Object> extra) throws Exception {
        String id = "local-" + COUNTER.incrementAndGet();
        Configuration configuration = cm.getFactoryConfiguration("meridian.provider.local", id, "?");
        Dictionary<String, Object> properties = new Hashtable<>();
        properties.put(ProviderProperties.ID, id);
        properties.put("modelFile", file.toString());
        properties.put("threads", 2);
        properties.put("temperature", 0.0);
        extra.forEach(properties::put);
        configuration.update(properties);
        configurations.add(configuration);
        return id;
    }

    private ModelProvider service(String id) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            Collection<ServiceReference<ModelProvider>> refs = context.getServiceReferences(ModelProvider.class,
                    "(" + ProviderProperties.ID + "=" + id + ")");
            // the router binds it after the registry shows it (its bundle's signature is checked first)
            if (!refs.isEmpty() && routing.providers().stream().anyMatch(p -> p.id().equals(id))) {
                return context.getService(refs.iterator().next());
            }
            Thread.sleep(10);
        }
        throw new AssertionError(id + " did not register with the router");
    }

    private static void await(java.util.function.BooleanSupplier condition, long millis) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out");
            }
            Thread.sleep(10);
        }
    }

    private String console(String command) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
        try (CommandSession session = processor.createSession(new ByteArrayInputStream(new byte[0]), print, print)) {
            Object result = session.execute(command);
            return out.toString(StandardCharsets.UTF_8) + (result == null ? "" : session.format(result,
                    Converter.INSPECT));
        }
    }

    @Test
    void loadsThenAnswersThroughTheRouterAsTheReferenceDoes() throws Exception {
        String id = provider(model("stories260K-ffn192-F32.gguf"), Map.of());
        ModelProvider local = service(id);
        await(() -> local.availability().isAvailable(), 10_000);
        ChatResponse response = routed.call(ChatRequest.of("Once upon a time").withOptions(GenerationOptions.DEFAULTS
                .withMaxTokens(20)));
        // llama.cpp's greedy continuation of the same prompt (../shared/testdata reference)
        assertThat(response.text()).isEqualTo(", there was a little girl named Lily. She loved to play outsid");
        assertThat(response.provenance().providerId()).isEqualTo(id);
        assertThat(response.provenance().scope()).isEqualTo("device");
        assertThat(response.finishReason()).isEqualTo(FinishReason.LENGTH);
        assertThat(response.usage().promptTokens()).isEqualTo(5);
        assertThat(response.usage().completionTokens()).isEqualTo(20);
    }

    @Test
    void consoleChatsWithTheLocalModelAndShowsItsAvailability() throws Exception {
        String id = provider(model("stories260K-ffn192-Q8_0.gguf"), Map.of());
        ModelProvider local = service(id);
        await(() -> local.availability().isAvailable(), 10_000);
        assertThat(console("ai:providers"))
                .containsPattern(id + "\\s+device\\s+yes\\s+trusted \\(signer [0-9a-f]{16}\\)\\s+available");
        assertThat(console("ai:chat -p " + id + " -n 8 -t 0 Once upon a time")).contains(", there was a little")
                .contains("provider=" + id).contains("finish=length");
    }

    @Test
    void cancelStopsTheGenerationWithinOneToken() throws Exception {
        String id = provider(model("stories260K-ffn192-F32.gguf"), Map.of());
        ModelProvider local = service(id);
        await(() -> local.availability().isAvailable(), 10_000);
        AtomicInteger deltas = new AtomicInteger();
        AtomicInteger atCancel = new AtomicInteger();
        CompletableFuture<Completion> done = new CompletableFuture<>();
        // the listener runs on the provider's thread: it takes the handle through a future, not a plain field
        CompletableFuture<StreamHandle> handle = new CompletableFuture<>();
        handle.complete(local.stream(ChatRequest.of("Once upon a time").withOptions(GenerationOptions.DEFAULTS
                .withMaxTokens(500)), new StreamListener() {
                    @Override
                    public void onText(String delta) {
                        if (deltas.incrementAndGet() == 3) {
                            atCancel.set(3);
                            handle.join().cancel();
                        }
                    }

                    @Override
                    public void onComplete(Completion completion) {
                        done.complete(completion);
                    }
                }));
        Completion end = done.get(10, TimeUnit.SECONDS);
        assertThat(end.finishReason()).isEqualTo(FinishReason.CANCELLED);
        Thread.sleep(200);
        assertThat(deltas.get()).as("no delta after the cancel").isEqualTo(atCancel.get());
        // the provider is free again at once
        assertThat(local.call(ChatRequest.of("Once").withOptions(GenerationOptions.DEFAULTS.withMaxTokens(2)))
                .usage().completionTokens()).isEqualTo(2);
    }

    /**
     * Issue 9: a provider stopped in the middle of a generation releases everything: its stream ends with a
     * completion, the model file is no longer mapped, and no thread of it (nor of the engine) is left.
     */
    @Test
    void deactivationMidGenerationUnmapsTheModelAndEndsEveryThread() throws Exception {
        Path file = model("stories260K-ffn192-F32.gguf");
        Path copy = Files.copy(file, Files.createTempDirectory("lifetime").resolve("lifetime.gguf"));
        long engineWorkers = threads("meridian-engine-worker");
        String id = provider(copy, Map.of("drainMs", 50L, "threads", 2));
        ModelProvider local = service(id);
        await(() -> local.availability().isAvailable(), 10_000);
        await(() -> threads("meridian-local-" + id) == 1, 5_000);
        assertThat(mapped(copy)).as("the model is mapped while the provider runs").isTrue();

        CompletableFuture<Completion> done = new CompletableFuture<>();
        AtomicInteger deltas = new AtomicInteger();
        CompletableFuture<Void> generating = new CompletableFuture<>();
        local.stream(ChatRequest.of("Once upon a time").withOptions(GenerationOptions.DEFAULTS.withMaxTokens(100_000)),
                new StreamListener() {
                    @Override
                    public void onText(String delta) {
                        deltas.incrementAndGet();
                        generating.complete(null);
                    }

                    @Override
                    public void onComplete(Completion completion) {
                        done.complete(completion);
                    }
                });
        generating.get(10, TimeUnit.SECONDS);
        Configuration configuration = configurations.remove(configurations.size() - 1);
        configuration.delete(); // the provider deactivates while it generates

        Completion end = done.get(15, TimeUnit.SECONDS);
        assertThat(end.finishReason()).isEqualTo(FinishReason.PROVIDER_CLOSED);
        await(() -> threads("meridian-local-" + id) == 0 && !mapped(copy)
                && threads("meridian-engine-worker") <= engineWorkers, 15_000);
        int after = deltas.get();
        Thread.sleep(100);
        assertThat(deltas.get()).as("no text after the provider stopped").isEqualTo(after);
    }

    @Test
    void requestsPastTheQueueAreRefusedAsOverloaded() throws Exception {
        String id = provider(model("stories260K-ffn192-F32.gguf"), Map.of("maxQueued", 1));
        ModelProvider local = service(id);
        await(() -> local.availability().isAvailable(), 10_000);
        List<CompletableFuture<Completion>> ends = new ArrayList<>();
        List<StreamHandle> handles = new ArrayList<>();
        CompletableFuture<String> generating = new CompletableFuture<>();
        for (int i = 0; i < 6; i++) { // one generating, one waiting: the other four are refused
            CompletableFuture<Completion> end = new CompletableFuture<>();
            ends.add(end);
            handles.add(local.stream(ChatRequest.of("Once upon a time").withOptions(GenerationOptions.DEFAULTS
                    .withMaxTokens(100_000)), new StreamListener() {
                        @Override
                        public void onText(String delta) {
                            generating.complete(delta);
                        }

                        @Override
                        public void onComplete(Completion completion) {
                            end.complete(completion);
                        }
                    }));
            if (i == 0) {
                generating.get(10, TimeUnit.SECONDS); // the worker took the first: the queue is empty again
            }
        }
        long overloaded = ends.stream().filter(f -> f.isDone() && f.join().error() != null
                && "overloaded".equals(f.join().error().reason())).count();
        assertThat(overloaded).isEqualTo(4);
        assertThat(ends.stream().filter(CompletableFuture::isDone).map(CompletableFuture::join)
                .filter(c -> c.error() != null).map(c -> c.error().kind())).containsOnly(ErrorKind.RATE_LIMITED);
        handles.forEach(StreamHandle::cancel);
        for (CompletableFuture<Completion> end : ends) {
            end.get(10, TimeUnit.SECONDS);
        }
    }

    private static long threads(String prefix) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith(prefix)).count();
    }

    /** Whether this JVM maps {@code file} ({@code /proc/self/maps} names mapped files). */
    private static boolean mapped(Path file) {
        try {
            return Files.readAllLines(Path.of("/proc/self/maps")).stream()
                    .anyMatch(line -> line.endsWith(file.toAbsolutePath().toString()));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void corruptModelFileLeavesTheProviderUpAndFailedWithTheReason() throws Exception {
        Path bad = Files.createTempFile("corrupt", ".gguf");
        Files.write(bad, "this is not a model at all, only text".getBytes(StandardCharsets.US_ASCII));
        String id = provider(bad, Map.of());
        ModelProvider local = service(id);
        await(() -> local.availability().state() == Availability.State.FAILED, 10_000);
        assertThat(local.availability().reason()).contains("not a GGUF file");
        ModelException e = org.junit.jupiter.api.Assertions.assertThrows(ModelException.class,
                () -> local.call(ChatRequest.of("hi")));
        assertThat(e.kind()).isEqualTo(ErrorKind.UNAVAILABLE);
        assertThat(console("ai:providers")).contains(id).contains("failed");
    }

    @Test
    void missingModelIsNotConfigured() throws Exception {
        String id = provider(Path.of("/nonexistent/model.gguf"), Map.of());
        ModelProvider local = service(id);
        assertThat(local.availability().state()).isEqualTo(Availability.State.NOT_CONFIGURED);
        assertThat(local.availability().reason()).contains("/nonexistent/model.gguf");
    }

    @Test
    void promptLongerThanTheContextIsAnInvalidRequest() throws Exception {
        String id = provider(model("stories260K-ffn192-Q4_0.gguf"), Map.of("contextLength", 16));
        ModelProvider local = service(id);
        await(() -> local.availability().isAvailable(), 10_000);
        ModelException e = org.junit.jupiter.api.Assertions.assertThrows(ModelException.class, () -> local.call(
                ChatRequest.of("Once upon a time there was a little girl who loved to play in the park every day")));
        assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_REQUEST);
        assertThat(e.getMessage()).contains("the context holds 16");
        assertThat(local.availability().isAvailable()).isTrue();
    }
}
