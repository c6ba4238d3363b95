package dev.meridian.provider.local;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.meridian.api.Availability;
import dev.meridian.api.ChatRequest;
import dev.meridian.api.ErrorKind;
import dev.meridian.api.FinishReason;
import dev.meridian.api.GenerationOptions;
import dev.meridian.api.ModelException;
import dev.meridian.api.ModelProvider;
import dev.meridian.api.ProviderProperties;
import dev.meridian.api.StreamHandle;
import dev.meridian.api.StreamListener;
import dev.meridian.api.Usage;
import dev.meridian.api.provider.InFlightStreams;
import dev.meridian.api.provider.ProviderStream;
import dev.meridian.engine.ChatTemplate;
import dev.meridian.engine.EngineException;
import dev.meridian.engine.Generation;
import dev.meridian.engine.LocalModel;
import dev.meridian.engine.Sampling;

/**
 * The on-device provider: a GGUF model run by the local engine, scope {@code device}. The model loads in the
 * background after activation (availability {@code loading} with progress, then available, or {@code failed} with
 * the reason); requests run one at a time on one thread, in order. Cancel stops a generation within one token.
 */
@Component(service = ModelProvider.class, configurationPid = "meridian.provider.local",
        configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = LocalProvider.Config.class, factory = true)
@ProviderProperties(id = "local", scope = "device", models = "local")
public final class LocalProvider implements ModelProvider {
    private static final Logger LOG = LoggerFactory.getLogger(LocalProvider.class);

    @ObjectClassDefinition(name = "Meridian local provider", description = "A GGUF model run on the device")
    @interface Config {
        @AttributeDefinition(name = "Provider id")
        String meridian_provider_id() default "local";

        @AttributeDefinition(name = "Residency scope")
        String meridian_provider_scope() default "device";

        @AttributeDefinition(name = "Models", description = "Names requests may use for this model")
        String[] meridian_provider_models() default { "local" };

        @AttributeDefinition(name = "Model file", description = "Path of the GGUF file")
        String modelFile();

        @AttributeDefinition(description = "Kernel threads; 0 = all cores")
        int threads() default 0;

        @AttributeDefinition(description = "Context length in tokens; 0 = the model's, capped at 4096")
        int contextLength() default 0;

        @AttributeDefinition(description = "chatml, llama3, llama2, mistral, plain; empty = from the model",
                required = false)
        String chatTemplate() default "";

        @AttributeDefinition(description = "Default maximum tokens of an answer")
        int maxTokens() default 512;

        @AttributeDefinition(description = "Default temperature (0 = greedy)")
        double temperature() default 0.7;

        int topK() default 40;

        double topP() default 0.95;

        @AttributeDefinition(description = "Default seed; -1 = a new one per request")
        long seed() default -1;

        @AttributeDefinition(description = "How long in-flight answers may finish when the provider stops (ms)")
        long drainMs() default 5000;

        @AttributeDefinition(description = "Requests that may wait for the model; more are refused as overloaded")
        int maxQueued() default 16;
    }

    private final Config config;
    private final String id;
    private final InFlightStreams inFlight;
    private final ThreadPoolExecutor worker;
    private volatile LocalModel model;
    private volatile Availability availability;
    private volatile boolean closing;

    @Activate
    public LocalProvider(Config config) {
        this.config = config;
        this.id = config.meridian_provider_id();
        this.inFlight = new InFlightStreams(id, config.meridian_provider_scope());
        // one generation at a time, a bounded queue before it: past it, requests are refused as overloaded
        // the JDK's thread factory, not a lambda of this bundle: a finished thread keeps its executor and so its
        // factory, and Felix 7.0.5 can keep a finished thread (see ReleasingTask in the cloud bundle)
        this.worker = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(Math.max(1, config.maxQueued())),
                Thread.ofPlatform().name("meridian-local-" + id).factory());
        String missing = missingModel(config);
        if (missing != null) {
            availability = Availability.of(Availability.State.NOT_CONFIGURED, missing);
            LOG.warn("Local provider {}: {}", id, missing);
            return;
        }
        String problem = check(config);
        if (problem != null) {
            availability = Availability.of(Availability.State.FAILED, "invalid configuration: " + problem);
            LOG.error("Local provider {}: invalid configuration: {}", id, problem);
            return;
        }
        availability = Availability.loading(0, "loading " + config.modelFile());
        worker.execute(this::load);
    }

    private static String missingModel(Config config) {
        if (config.modelFile() == null || config.modelFile().isBlank()) {
            return "no model: set modelFile to a GGUF file";
        }
        if (!Files.isRegularFile(Path.of(config.modelFile()))) {
            return "no model file at " + config.modelFile() + ": put a GGUF model there or set modelFile";
        }
        return null;
    }

    private static String check(Config config) {
        if (config.threads() < 0 || config.contextLength() < 0 || config.maxTokens() < 1 || config.maxQueued() < 1) {
            return "threads and contextLength must be at least 0, maxTokens and maxQueued at least 1";
        }
        if (config.temperature() < 0 || config.temperature() > 2 || config.topK() < 0 || config.topP() <= 0
                || config.topP() > 1) {
            return "temperature must be 0..2, topK at least 0, topP in (0, 1]";
        }
        if (!config.chatTemplate().isBlank()) {
            try {
                ChatTemplate.named(config.chatTemplate());
            } catch (EngineException e) {
                return e.getMessage();
            }
        }
        return null;
    }

    private void load() {
        long start = System.nanoTime();
        Path file = Path.of(config.modelFile());
        try {
            int processors = Runtime.getRuntime().availableProcessors();
            int threads = config.threads() > 0 ? Math.min(config.threads(), processors) : processors;
            if (config.threads() > processors) {
                LOG.warn("Local provider {}: threads={} capped at the {} processors", id, config.threads(), processors);
            }
            LocalModel loaded = LocalModel.load(file, new LocalModel.Options(threads, config.contextLength(),
                    config.chatTemplate().isBlank() ? null : config.chatTemplate()), progress -> {
                        if (closing) {
                            throw new CancellationException("the provider is stopping"); // ends the load, unmapped
                        }
                        availability = Availability.loading(progress, "loading " + file.getFileName());
                    });
            if (closing) {
                loaded.close();
                return;
            }
            loaded.chatTemplate(); // an unknown template is reported now, not at the first request
            model = loaded;
            availability = Availability.AVAILABLE;
            LOG.info("Local provider {}: {} loaded in {} ms ({}, context {}, {})", id, file.getFileName(),
                    (System.nanoTime() - start) / 1_000_000, loaded.architecture(), loaded.contextLength(),
                    loaded.kernels());
        } catch (EngineException e) {
            if (closing) {
                LOG.info("Local provider {}: loading {} stopped: the provider is stopping", id, file.getFileName());
                return;
            }
            availability = Availability.of(Availability.State.FAILED, e.getMessage());
            LOG.error("Local provider {}: cannot load {}: {}", id, file, e.getMessage());
        } catch (Throwable e) { // the worker thread must survive whatever the file does to the engine
            availability = Availability.of(Availability.State.FAILED, "cannot load " + file.getFileName() + ": " + e);
            LOG.error("Local provider {}: cannot load {}: {}", id, file, e.toString());
        }
    }

    /**
     * Drains, then releases everything whatever is still running: a load stops at its next page, a generation at its
     * next token (its stream is closed), and the model is unmapped and its engine threads end even if the worker
     * has not yet noticed (a shared arena's close makes a late access fail, never crash).
     */
    @Deactivate
    void deactivate() {
        int closed = inFlight.drain(Duration.ofMillis(config.drainMs()));
        closing = true;
        // stop without interrupting: the load ends at its next page (closing), a generation at its next token (its
        // stream is closed). An interrupt that lands inside FileChannel.map makes the JDK throw
        // ClosedByInterruptException after the mapping is made, and that mapping is never unmapped
        worker.shutdown();
        worker.getQueue().clear(); // queued answers' streams are already closed: nothing to run
        boolean stopped = false;
        try {
            stopped = worker.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!stopped) {
            LOG.warn("Local provider {}: the generation thread has not stopped yet; unmapping the model anyway", id);
        }
        LocalModel loaded = model;
        model = null;
        if (loaded != null) {
            loaded.close();
        }
        LOG.info("Local provider {} stopped{}", id, closed > 0 ? " (" + closed + " answers cut short)" : "");
    }

    @Override
    public Availability availability() {
        return availability;
    }

    @Override
    public StreamHandle stream(ChatRequest request, StreamListener listener) {
        LocalModel current = model;
        ProviderStream stream = inFlight.open(listener, current == null ? config.modelFile() : current.name());
        if (stream.isDone()) {
            return stream;
        }
        if (current == null) {
            Availability now = availability;
            stream.fail(ModelException.unavailable(now.state().label(), id + ": " + now), null);
            return stream;
        }
        try {
            worker.execute(() -> generate(current, request, stream));
        } catch (RejectedExecutionException e) {
            if (worker.isShutdown()) {
                stream.close(id + " is stopping");
            } else {
                stream.fail(new ModelException(ErrorKind.RATE_LIMITED, "overloaded", id + ": " + config.maxQueued()
                        + " requests are already waiting for the model", null, null, null), null);
            }
        }
        return stream;
    }

    private void generate(LocalModel current, ChatRequest request, ProviderStream stream) {
        if (stream.isDone()) {
            return; // cancelled while queued
        }
        int[] prompt;
        Generation.Settings settings;
        try {
            List<ChatTemplate.Turn> turns = request.messages().stream()
                    .map(m -> new ChatTemplate.Turn(m.role().wireName(), m.content())).toList();
            prompt = current.chatPrompt(turns, stream::isDone); // a long prompt stops at a cancel or the context
            settings = settings(request.options(), stream);
        } catch (java.util.concurrent.CancellationException e) {
            stream.complete(FinishReason.CANCELLED, Usage.NONE); // no-op when the cancel completed it
            return;
        } catch (EngineException | IllegalArgumentException e) {
            stream.fail(new ModelException(ErrorKind.INVALID_REQUEST, id + ": " + e.getMessage()), null);
            return;
        }
        try {
            Generation.Result result = current.generate(prompt, settings, stream::text);
            Usage usage = new Usage(result.promptTokens(), result.tokens().length, 0);
            switch (result.end()) {
                case END_OF_TEXT, STOP_SEQUENCE -> stream.complete(FinishReason.STOP, usage);
                case MAX_TOKENS, CONTEXT_FULL -> stream.complete(FinishReason.LENGTH, usage);
                case CANCELLED -> stream.complete(FinishReason.CANCELLED, usage); // no-op when cancel completed it
            }
        } catch (EngineException e) {
            stream.fail(new ModelException(ErrorKind.INVALID_REQUEST, id + ": " + e.getMessage()), null);
        } catch (OutOfMemoryError e) {
            // the engine checks the cache against the free heap; anything else must not kill the worker thread
            LOG.error("Local provider {}: out of memory while generating", id);
            stream.fail(new ModelException(ErrorKind.UNAVAILABLE, "out-of-memory", id + ": out of memory", null,
                    null, null), null);
        } catch (Throwable e) { // whatever it is, the stream gets its completion and the worker lives on
            LOG.error("Local provider {}: generation failed", id, e);
            stream.fail(new ModelException(ErrorKind.UNAVAILABLE, "engine-error", id + ": generation failed: " + e,
                    null, null, e), null);
        }
    }

    private Generation.Settings settings(GenerationOptions options, ProviderStream stream) {
        double temperature = options.temperature() != null ? options.temperature() : config.temperature();
        int topK = options.topK() != null ? options.topK() : config.topK();
        double topP = options.topP() != null ? options.topP() : config.topP();
        long seed = options.seed() != null ? options.seed()
                : config.seed() >= 0 ? config.seed() : ThreadLocalRandom.current().nextLong();
        int maxTokens = options.maxTokens() != null ? options.maxTokens() : config.maxTokens();
        return new Generation.Settings(maxTokens, new Sampling(temperature, topK, topP, seed), options.stop(),
                stream::isDone);
    }
}
