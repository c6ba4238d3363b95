package dev.meridian.cloud;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.meridian.api.Availability;
import dev.meridian.api.ChatRequest;
import dev.meridian.api.ErrorKind;
import dev.meridian.api.ModelException;
import dev.meridian.api.StreamHandle;
import dev.meridian.api.StreamListener;
import dev.meridian.api.provider.InFlightStreams;
import dev.meridian.api.provider.ProviderStream;
import dev.meridian.cloud.internal.CloudStreamer;
import dev.meridian.cloud.internal.ProviderHealth;
import dev.meridian.cloud.internal.ReleasingTask;

/**
 * One configured cloud endpoint behind a provider component: its credential, its dialect, the streams in flight
 * and what it learned of its endpoint. A provider's {@code @Activate} builds one (or a {@link #misconfigured} one
 * that explains what is wrong), delegates {@code availability()} and {@code stream()} to it, and closes it in
 * {@code @Deactivate}, which drains in-flight streams for the configured time.
 */
public final class CloudBackend {
    private static final Logger LOG = LoggerFactory.getLogger(CloudBackend.class);

    private final String label;
    private final String defaultModel;
    private final Secret key;
    private final String notConfigured;
    private final String misconfiguration;
    private final CloudSettings settings;
    private final InFlightStreams inFlight;
    private final ProviderHealth health;
    private final WireDialect dialect;
    private final CloudStreamer streamer;

    /**
     * @param label         names the provider and its region in messages
     * @param key           the credential, or {@code null} when none is configured
     * @param notConfigured what to tell people when there is no key (which property or variable to set)
     * @param dialect       makes the wire dialect from the timeouts
     */
    public CloudBackend(String id, String scope, String label, String defaultModel, Secret key, String notConfigured,
            CloudSettings settings, Function<Timeouts, WireDialect> dialect, HttpClient.Version version) {
        this.label = label;
        this.defaultModel = defaultModel;
        this.key = key;
        this.notConfigured = notConfigured;
        this.misconfiguration = null;
        this.settings = settings;
        this.inFlight = new InFlightStreams(id, scope);
        this.health = settings.health();
        this.dialect = key == null ? null : dialect.apply(settings.timeouts());
        this.streamer = key == null ? null
                : new CloudStreamer(label, settings.timeouts(), settings.retry(), health, key, version,
                        settings.maxAnswerChars());
    }

    private CloudBackend(String id, String scope, String label, String problem) {
        this.label = label;
        this.defaultModel = null;
        this.key = null;
        this.notConfigured = problem;
        this.misconfiguration = problem;
        this.settings = null;
        this.inFlight = new InFlightStreams(id, scope);
        this.health = null;
        this.dialect = null;
        this.streamer = null;
    }

    /** A backend whose configuration is wrong: it stays registered and says why it cannot serve. */
    public static CloudBackend misconfigured(String id, String scope, String label, String problem) {
        LOG.error("{}: invalid configuration: {}", label, problem);
        return new CloudBackend(id, scope, label, problem);
    }

    public Availability availability() {
        if (misconfiguration != null) {
            return Availability.of(Availability.State.FAILED, "invalid configuration: " + misconfiguration);
        }
        return health.availability(key != null, notConfigured);
    }

    public StreamHandle stream(ChatRequest request, StreamListener listener) {
        ProviderStream stream = inFlight.open(listener, request.model() != null ? request.model() : defaultModel);
        if (stream.isDone()) {
            return stream;
        }
        if (streamer == null) {
            stream.fail(ModelException.unavailable(misconfiguration != null ? "misconfigured" : "not-configured",
                    label + ": " + (misconfiguration != null ? "invalid configuration: " + misconfiguration
                            : notConfigured)), null);
            return stream;
        }
        if (request.options().topK() != null && request.options().topK() < 1) {
            stream.fail(new ModelException(ErrorKind.INVALID_REQUEST, "top-k must be at least 1"), null);
            return stream;
        }
        streamer.start(stream, request, dialect);
        return stream;
    }

    /** Drains in-flight streams for the configured time, then aborts what is left and stops the threads. */
    public void close() {
        close(settings == null ? Duration.ZERO : settings.drain());
    }

    private void close(Duration drain) {
        int closed = inFlight.drain(drain);
        if (closed > 0) {
            LOG.warn("{}: closed {} streams still open after the drain time", label, closed);
        }
        if (streamer != null) {
            streamer.close();
        }
    }

    /**
     * Closes this backend once what it serves has finished (bounded by the drain time), without holding up the
     * caller: for a provider whose configuration changed, which already sends new requests to its new backend.
     */
    public void retire() {
        // the provider stays: its streams may run to their own total timeout, not the shorter drain time
        Duration patience = settings == null ? Duration.ZERO : settings.timeouts().total().plusSeconds(1);
        Thread.ofVirtual().name("retire " + label).start(new ReleasingTask(() -> close(patience)));
    }

    /** The credential source, for the activation log line (never the value). */
    public String keySource() {
        return key == null ? "none" : key.source();
    }

    public String label() {
        return label;
    }
}
