package dev.meridian.cloud.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.meridian.api.ChatRequest;
import dev.meridian.api.ErrorKind;
import dev.meridian.api.FinishReason;
import dev.meridian.api.ModelException;
import dev.meridian.api.provider.ProviderStream;
import dev.meridian.cloud.Timeouts;
import dev.meridian.cloud.RetryPolicy;
import dev.meridian.cloud.WireDialect;
import dev.meridian.cloud.StreamDecoder;
import dev.meridian.cloud.SseEvent;
import dev.meridian.cloud.WireFailure;
import dev.meridian.cloud.Secret;

/**
 * Runs streamed chat exchanges against one cloud endpoint: sends the dialect's request, retries what may be
 * retried before the first token, reads server-sent events with bounded memory, enforces the connect, first-token,
 * idle and total timeouts, aborts the exchange on cancel, and ends every stream with a completion or an error of
 * the API's taxonomy whose message names the provider and never contains the credential.
 *
 * <p>
 * One reader per stream on a virtual thread, so hundreds of concurrent streams cost little. A single timer thread
 * checks the deadlines of all open exchanges. {@link #close()} aborts what is still open.
 */
public final class CloudStreamer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CloudStreamer.class);
    static final int MAX_LINE_BYTES = 1 << 20;
    static final int MAX_EVENT_BYTES = 4 << 20;
    static final int MAX_ERROR_BODY_BYTES = 64 << 10;
    private static final long TICK_MILLIS = 20;

    private final String label;
    private final Timeouts timeouts;
    private final RetryPolicy retry;
    private final ProviderHealth health;
    private final Secret secret;
    private final long maxAnswerChars;
    private final ExecutorService readers = Executors.newVirtualThreadPerTaskExecutor();
    private final ScheduledExecutorService timer;
    private final HttpClient client;
    private final Set<Exchange> open = ConcurrentHashMap.newKeySet();

    /**
     * @param label  names the provider and its region in every message, e.g. {@code "dashscope-cn (cn-beijing)"}
     * @param secret the credential, so that no message repeats it (may be {@code null})
     */
    public CloudStreamer(String label, Timeouts timeouts, RetryPolicy retry, ProviderHealth health, Secret secret,
            HttpClient.Version version, long maxAnswerChars) {
        this.label = label;
        this.maxAnswerChars = maxAnswerChars;
        this.timeouts = timeouts;
        this.retry = retry;
        this.health = health;
        this.secret = secret;
        this.client = HttpClient.newBuilder().connectTimeout(timeouts.connect()).version(version)
                .followRedirects(HttpClient.Redirect.NEVER).executor(readers).build();
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "meridian-cloud-timeouts");
            thread.setDaemon(true);
            return thread;
        });
        timer.scheduleAtFixedRate(this::expire, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Starts serving {@code stream}; returns at once. */
    public void start(ProviderStream stream, ChatRequest request, WireDialect dialect) {
        try {
            readers.execute(new ReleasingTask(() -> run(stream, request, dialect)));
        } catch (RejectedExecutionException e) {
            stream.close(label + " is closed");
        }
    }

    /** Aborts every open exchange and stops the threads. */
    @Override
    public void close() {
        readers.shutdown();
        open.forEach(exchange -> exchange.abort(null));
        timer.shutdownNow();
        client.shutdownNow();
    }

    private void run(ProviderStream stream, ChatRequest request, WireDialect dialect) {
        long deadline = System.nanoTime() + timeouts.total().toNanos();
        for (int attempt = 1;; attempt++) {
            stream.attempts(attempt);
            Exchange exchange = new Exchange(deadline);
            open.add(exchange);
            stream.onCancel(() -> exchange.abort(null));
            WireFailure failure;
            try {
                failure = exchange(exchange, stream, request, dialect);
            } catch (RuntimeException e) {
                // the message may quote a header (the key): log it scrubbed, without the exception object
                String what = scrub(e.toString());
                LOG.error("{}: unexpected failure: {} at {}", label, what,
                        e.getStackTrace().length > 0 ? e.getStackTrace()[0] : "?");
                failure = new WireFailure(new ModelException(ErrorKind.UNAVAILABLE, "internal-error", what, null,
                        null, null), false);
            } finally {
                open.remove(exchange);
            }
            if (failure == null) {
                health.succeeded();
                return;
            }
            ModelException error = named(failure.error());
            health.failed(error);
            if (stream.isDone()) {
                return; // cancelled or closed meanwhile: the stream already has its completion
            }
            Optional<Duration> wait = stream.started() ? Optional.empty() : retry.delay(attempt, failure);
            if (wait.isEmpty() || System.nanoTime() + wait.get().toNanos() > deadline) {
                LOG.debug("{}: giving up after attempt {}: {}", label, attempt, error.toString());
                stream.fail(error, null);
                return;
            }
            LOG.debug("{}: attempt {} failed ({}); retrying in {} ms", label, attempt, error.toString(),
                    wait.get().toMillis());
            if (!sleep(wait.get(), stream)) {
                return;
            }
        }
    }

    /** One HTTP exchange: {@code null} when the stream completed (or was cancelled), else why it failed. */
    private WireFailure exchange(Exchange exchange, ProviderStream stream, ChatRequest request, WireDialect dialect) {
        HttpResponse<InputStream> response;
        try {
            CompletableFuture<HttpResponse<InputStream>> future = client.sendAsync(dialect.request(request),
                    HttpResponse.BodyHandlers.ofInputStream());
            exchange.future = future;
            if (exchange.expired != null || stream.isDone()) {
                future.cancel(true);
            }
            response = future.get();
        } catch (CancellationException e) {
            return exchange.expired != null ? timeout(exchange) : cancelled();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return cancelled();
        } catch (ExecutionException e) {
            return exchange.expired != null ? timeout(exchange) : connectionFailure(e.getCause());
        }
        InputStream body = response.body();
        exchange.body = body;
        exchange.activity();
        try (body) {
            if (exchange.expired != null) {
                return timeout(exchange);
            }
            if (response.statusCode() != 200) {
                String text = readBounded(body);
                WireFailure failure = dialect.error(response.statusCode(), response.headers(), text);
                LOG.debug("{}: HTTP {} {}", label, response.statusCode(), scrub(text));
                return failure;
            }
            return read(exchange, stream, dialect.decoder(), body);
        } catch (IOException e) {
            if (stream.isDone()) {
                return null;
            }
            if (exchange.expired != null) {
                return timeout(exchange);
            }
            return new WireFailure(new ModelException(ErrorKind.UNAVAILABLE, "connection-dropped",
                    "the connection dropped: " + e.getMessage(), null, null, null), true);
        }
    }

    private WireFailure read(Exchange exchange, ProviderStream stream, StreamDecoder decoder, InputStream body)
            throws IOException {
        SseReader reader = new SseReader(body, MAX_LINE_BYTES, MAX_EVENT_BYTES);
        try {
            SseEvent event;
            while ((event = reader.next()) != null) {
                exchange.activity();
                boolean done = decoder.onEvent(event, stream);
                if (stream.started()) {
                    exchange.gotToken = true;
                }
                if (done) {
                    stream.model(decoder.model());
                    stream.complete(decoder.finishReason(), decoder.usage());
                    return null;
                }
                if (stream.isDone()) {
                    return null; // cancelled: stop reading, the try closes the body
                }
                if (stream.deliveredChars() > maxAnswerChars) {
                    // the client's own bound: a server that never stops cannot hold a thread and memory forever
                    LOG.debug("{}: answer passed {} characters; ending it", label, maxAnswerChars);
                    stream.complete(FinishReason.LENGTH, decoder.usage());
                    return null;
                }
            }
            if (exchange.expired != null) {
                return timeout(exchange);
            }
            decoder.onEndOfBody();
            stream.model(decoder.model());
            stream.complete(decoder.finishReason(), decoder.usage());
            return null;
        } catch (ModelException e) {
            // an error sent inside the 200 stream, or a stream that breaks the format: not retried here
            return new WireFailure(e, false);
        }
    }

    private WireFailure timeout(Exchange exchange) {
        return new WireFailure(new ModelException(ErrorKind.TIMEOUT, "timeout", exchange.expired, null, null, null),
                false);
    }

    private static WireFailure cancelled() {
        return new WireFailure(new ModelException(ErrorKind.CANCELLED, "cancelled"), false);
    }

    private WireFailure connectionFailure(Throwable cause) {
        if (cause instanceof HttpConnectTimeoutException) {
            return new WireFailure(new ModelException(ErrorKind.TIMEOUT, ProviderHealth.UNREACHABLE,
                    "no connection within " + timeouts.connect().toMillis() + " ms", null, null, null), false);
        }
        if (cause instanceof ConnectException) {
            return new WireFailure(new ModelException(ErrorKind.UNAVAILABLE, ProviderHealth.UNREACHABLE,
                    "cannot connect: " + cause.getMessage(), null, null, null), false);
        }
        if (cause instanceof HttpTimeoutException) {
            // the request's own timeout is the first-token timeout: no response headers came in time
            return new WireFailure(new ModelException(ErrorKind.TIMEOUT, "timeout", "no first token within "
                    + timeouts.firstToken().toMillis() + " ms (no response)", null, null, null), false);
        }
        return new WireFailure(new ModelException(ErrorKind.UNAVAILABLE, "connection-failed",
                "the exchange failed: " + cause, null, null, null), true);
    }

    /** The error with the provider's label in front and the credential, if echoed, masked. */
    private ModelException named(ModelException error) {
        return new ModelException(error.kind(), error.reason(), scrub(label + ": " + error.getMessage()),
                error.retryAfter().orElse(null), null, null);
    }

    /** Masks the credential wherever a server or an exception repeated it, as is or escaped. */
    public String scrub(String text) {
        return secret == null ? text : secret.scrub(text);
    }

    private static String readBounded(InputStream in) throws IOException {
        byte[] bytes = in.readNBytes(MAX_ERROR_BODY_BYTES);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static boolean sleep(Duration wait, ProviderStream stream) {
        long end = System.nanoTime() + wait.toNanos();
        while (!stream.isDone()) {
            long left = end - System.nanoTime();
            if (left <= 0) {
                return true;
            }
            try {
                Thread.sleep(Math.min(TimeUnit.NANOSECONDS.toMillis(left) + 1, 50));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    private void expire() {
        long now = System.nanoTime();
        for (Exchange exchange : open) {
            if (now - exchange.deadline > 0) {
                exchange.abort("no complete answer within the total timeout of " + timeouts.total().toMillis() + " ms");
            } else if (!exchange.gotToken && now - exchange.started > timeouts.firstToken().toNanos()) {
                exchange.abort("no first token within " + timeouts.firstToken().toMillis() + " ms");
            } else if (exchange.gotToken && now - exchange.lastActivity > timeouts.idle().toNanos()) {
                exchange.abort("the stream stalled: no data for " + timeouts.idle().toMillis() + " ms");
            }
        }
    }

    /** One HTTP attempt: its deadlines and what to close to abort it. */
    private static final class Exchange {
        final long started = System.nanoTime();
        final long deadline;
        volatile long lastActivity = started;
        volatile boolean gotToken;
        volatile String expired;
        volatile CompletableFuture<?> future;
        volatile InputStream body;

        Exchange(long deadline) {
            this.deadline = deadline;
        }

        void activity() {
            lastActivity = System.nanoTime();
        }

        /** Aborts the exchange; {@code why} is the expired timeout, or {@code null} for a cancel. */
        void abort(String why) {
            if (why != null && expired == null) {
                expired = why;
            }
            CompletableFuture<?> f = future;
            if (f != null) {
                f.cancel(true);
            }
            InputStream in = body;
            if (in != null) {
                try {
                    in.close();
                } catch (IOException e) {
                    // closing is the abort; nothing more to do
                }
            }
        }
    }
}
