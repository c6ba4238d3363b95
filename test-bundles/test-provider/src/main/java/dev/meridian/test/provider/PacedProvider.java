package dev.meridian.test.provider;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import dev.meridian.api.Availability;
import dev.meridian.api.ChatRequest;
import dev.meridian.api.FinishReason;
import dev.meridian.api.ModelProvider;
import dev.meridian.api.ProviderProperties;
import dev.meridian.api.StreamHandle;
import dev.meridian.api.StreamListener;
import dev.meridian.api.Usage;
import dev.meridian.api.provider.InFlightStreams;
import dev.meridian.api.provider.ProviderStream;

/**
 * A provider for swap tests: streams {@code tokens} deltas {@code "<instance>:<n> "}, one every {@code delayMs},
 * so a test can tell which bundle revision served each token. Drains on deactivate like a real provider.
 */
@Component(service = ModelProvider.class, configurationPid = "meridian.test.paced",
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
@ProviderProperties(id = "paced", scope = "device", models = "paced")
public final class PacedProvider implements ModelProvider {

    @ObjectClassDefinition
    @interface Config {
        int tokens() default 20;

        long delayMs() default 3;

        long drainMs() default 5000;
    }

    /** Names this component instance; a new bundle revision makes a new one. */
    private final String instance = UUID.randomUUID().toString().substring(0, 8);
    private final Config config;
    private final InFlightStreams inFlight;
    private final ScheduledExecutorService timer = Executors.newScheduledThreadPool(2,
            r -> new Thread(r, "paced-provider"));

    @Activate
    public PacedProvider(Config config) {
        this.config = config;
        this.inFlight = new InFlightStreams("paced", "device");
    }

    @Deactivate
    void deactivate() {
        inFlight.drain(Duration.ofMillis(config.drainMs()));
        timer.shutdownNow();
    }

    @Override
    public Availability availability() {
        return Availability.AVAILABLE;
    }

    @Override
    public StreamHandle stream(ChatRequest request, StreamListener listener) {
        ProviderStream stream = inFlight.open(listener, "paced@" + instance);
        if (!stream.isDone()) {
            try {
                timer.schedule(() -> next(stream, 0), config.delayMs(), TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                stream.close("paced provider stopped");
            }
        }
        return stream;
    }

    private void next(ProviderStream stream, int n) {
        if (!stream.text(instance + ":" + n + " ")) {
            return;
        }
        if (n + 1 >= config.tokens()) {
            stream.complete(FinishReason.STOP, new Usage(1, config.tokens(), 0));
            return;
        }
        try {
            timer.schedule(() -> next(stream, n + 1), config.delayMs(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            stream.close("paced provider stopped");
        }
    }
}
