package dev.meridian.gateway;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.meridian.api.Completion;
import dev.meridian.api.ModelProvider;
import dev.meridian.api.Provenance;
import dev.meridian.api.StreamHandle;
import dev.meridian.api.routing.ProviderStatus;
import dev.meridian.api.routing.Routing;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * OpenAI's Chat Completions over HTTP, served by the routed provider, so residency, fallback, consent and labels
 * apply to every call: {@code POST /v1/chat/completions} (JSON or server-sent events), {@code GET /v1/models},
 * {@code GET /health}. Region switching is deliberately not on this surface.
 */
@Component(service = Servlet.class, configurationPid = GatewayConfig.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = GatewayConfig.class)
@HttpWhiteboardServletPattern({ "/v1/*", "/health" })
public final class GatewayServlet extends HttpServlet {
    /** How much of an oversized body is read and dropped so that its client gets the 413; past it, it is cut off. */
    private static final long DISCARD_LIMIT = 16L << 20;

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(GatewayServlet.class);
    private static final long POLL_MILLIS = 250;

    private final transient ModelProvider routed;
    private final transient Routing routing;
    private final transient ModelNames models;
    private final AtomicInteger active = new AtomicInteger();
    private final transient Set<StreamHandle> open = ConcurrentHashMap.newKeySet();
    private final transient GatewaySettings settings;
    private final transient Tokens tokens;
    private volatile boolean closing;

    @Activate
    public GatewayServlet(@Reference(target = ModelProvider.ROUTED_FILTER) ModelProvider routed,
            @Reference Routing routing, GatewayConfig config) {
        this.routed = routed;
        this.routing = routing;
        this.models = new ModelNames(routing);
        this.settings = checked(config);
        this.tokens = new Tokens(settings.tokenHashes());
    }

    /** A refused configuration fails the activation: a refused gateway serves nothing (no half-applied state). */
    private static GatewaySettings checked(GatewayConfig config) {
        try {
            return GatewaySettings.from(config);
        } catch (IllegalArgumentException e) {
            LOG.error("Gateway configuration refused, the gateway does not serve: {}", e.getMessage());
            throw e;
        }
    }

    /** Stops taking requests, lets open ones finish for the drain time, then cancels what is left. */
    @Deactivate
    void deactivate() {
        closing = true;
        long deadline = System.nanoTime() + settings.drain().toNanos();
        while (active.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (!open.isEmpty()) {
            LOG.warn("Gateway: cancelling {} requests still open after the drain time", open.size());
            open.forEach(StreamHandle::cancel);
        }
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        response.setHeader("Cache-Control", "no-store");
        if (!cors(request, response)) {
            return;
        }
        if ("OPTIONS".equals(request.getMethod())) {
            response.setStatus(204);
            return;
        }
        try {
            if (!tokens.accepts(request.getHeader("Authorization"))) {
                throw new ApiError(401, "invalid_request_error", "invalid_api_key", null,
                        "a valid bearer token is required (Authorization: Bearer TOKEN)", 0);
            }
            String path = request.getServletPath() + (request.getPathInfo() == null ? "" : request.getPathInfo());
            switch (path) {
                case "/v1/chat/completions" -> {
                    method(request, "POST");
                    chat(request, response);
                }
                case "/v1/models" -> {
                    method(request, "GET");
                    send(response, 200, OpenAiShapes.modelList(models.available()));
                }
                case "/health" -> {
                    method(request, "GET");
                    health(response);
                }
                default -> {
                    if (path.startsWith("/v1/models/")) {
                        method(request, "GET");
                        model(path.substring("/v1/models/".length()), response);
                    } else {
                        throw new ApiError(404, "invalid_request_error", "unknown_url", null,
                                "Unknown request URL: " + request.getMethod() + " " + path, 0);
                    }
                }
            }
        } catch (ApiError e) {
            if (!response.isCommitted()) {
                skipSmallBody(request);
                error(response, e);
            }
        }
    }

    /** What a refusal reads of a body it did not need: enough for any small request, so its connection stays open. */
    private static final long REFUSAL_DRAIN_LIMIT = 64 << 10;

    /**
     * Reads and drops a small request body that a refusal (401, 404, 405, ...) left unread. Answered with the body
     * still on its way (clients often send it just after the headers), the server has to close the connection, and
     * a client that reuses it for its next request, as HTTP/1.1 clients do, gets a dead connection instead of an
     * answer. Larger bodies are left: the connection closes, as before.
     */
    static void skipSmallBody(HttpServletRequest request) {
        long length = request.getContentLengthLong();
        if (length == 0 || length > REFUSAL_DRAIN_LIMIT) {
            return;
        }
        try {
            discard(request.getInputStream(), REFUSAL_DRAIN_LIMIT);
        } catch (IOException | IllegalStateException e) {
            // already read, or the client went away: nothing to keep open
        }
    }

    private void chat(HttpServletRequest request, HttpServletResponse response) throws IOException, ApiError {
        if (closing) {
            throw new ApiError(503, "service_unavailable", "shutting_down", null, "Meridian is shutting down", 1);
        }
        JsonNode body;
        try {
            body = OpenAiShapes.JSON.readTree(boundedBody(request));
        } catch (JacksonException e) {
            throw ApiError.invalid(null, "the request body is not valid JSON: " + e.getOriginalMessage());
        }
        ChatRequestReader.Chat chat = ChatRequestReader.read(body, models);
        if (active.incrementAndGet() > settings.maxStreams()) {
            active.decrementAndGet();
            throw new ApiError(429, "rate_limit_error", "too_many_requests", null, "the gateway already serves "
                    + settings.maxStreams() + " requests; retry shortly", 1);
        }
        try {
            Events events = new Events();
            StreamHandle handle = routed.stream(chat.request(), events);
            open.add(handle);
            try {
                if (chat.stream()) {
                    new SseAnswer(chat, events, handle, response).run();
                } else {
                    whole(chat, events, response);
                }
            } finally {
                open.remove(handle);
            }
        } finally {
            active.decrementAndGet();
        }
    }

    /** Waits for the end and answers once, as {@code chat.completion} or as an error. */
    private void whole(ChatRequestReader.Chat chat, Events events, HttpServletResponse response)
            throws IOException, ApiError {
        StringBuilder text = new StringBuilder();
        StringBuilder reasoning = new StringBuilder();
        while (true) {
            Events.Event event;
            try {
                event = events.next(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ApiError(503, "service_unavailable", "shutting_down", null, "interrupted", 0);
            }
            if (event instanceof Events.Text t) {
                text.append(t.delta());
            } else if (event instanceof Events.Reasoning r) {
                reasoning.append(r.delta());
            } else if (event instanceof Events.End end) {
                Completion completion = end.completion();
                headers(response, completion.provenance());
                if (completion.failed()) {
                    throw ApiError.of(completion.error());
                }
                send(response, 200, OpenAiShapes.completion(id(completion), Instant.now().getEpochSecond(),
                        chat.model(), text.toString(), reasoning.toString(), completion));
                return;
            }
        }
    }

    /** Writes one streamed answer as server-sent events, as OpenAI's API does. */
    private final class SseAnswer {
        private final ChatRequestReader.Chat chat;
        private final Events events;
        private final StreamHandle handle;
        private final HttpServletResponse response;
        private final long created = Instant.now().getEpochSecond();
        private final String id = "chatcmpl-" + UUID.randomUUID();
        private OutputStream out;
        private String model;

        SseAnswer(ChatRequestReader.Chat chat, Events events, StreamHandle handle, HttpServletResponse response) {
            this.chat = chat;
            this.events = events;
            this.handle = handle;
            this.response = response;
            this.model = chat.model();
        }

        void run() throws ApiError {
            try {
                while (true) {
                    Events.Event event = events.next(POLL_MILLIS);
                    if (event == null) {
                        continue;
                    }
                    if (event instanceof Events.Serving serving) {
                        begin(serving.provenance());
                    } else if (event instanceof Events.Text t) {
                        begin(null);
                        send(OpenAiShapes.chunk(id, created, model, null, t.delta(), null, null));
                    } else if (event instanceof Events.Reasoning r) {
                        begin(null);
                        send(OpenAiShapes.chunk(id, created, model, null, null, r.delta(), null));
                    } else if (event instanceof Events.End end) {
                        finish(end.completion());
                        return;
                    }
                }
            } catch (IOException e) {
                // the client went away: stop the provider's work
                LOG.debug("Gateway: client gone during a stream ({}); cancelling", e.toString());
                handle.cancel();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                handle.cancel();
            }
        }

        /** Headers go out with the first chunk, once the provider that answers is settled. */
        private void begin(Provenance serving) throws IOException {
            if (out != null) {
                return;
            }
            if (serving != null) {
                headers(response, serving);
                model = OpenAiShapes.model(serving, model);
            }
            response.setStatus(200);
            response.setContentType("text/event-stream");
            response.setCharacterEncoding("UTF-8");
            response.setHeader("X-Accel-Buffering", "no");
            out = response.getOutputStream();
            // not flushed alone: it leaves with the first delta, one write instead of two before the first token
            out.write(frame(OpenAiShapes.chunk(id, created, model, "assistant", "", null, null)));
        }

        private void finish(Completion completion) throws IOException, ApiError {
            if (out == null && completion.failed()) {
                // nothing sent yet: a plain HTTP error, as OpenAI answers before a stream starts
                headers(response, completion.provenance());
                throw ApiError.of(completion.error());
            }
            begin(completion.provenance());
            if (completion.failed()) {
                // after the first chunk only an event can say it: an error event, then the stream ends
                write("data: " + OpenAiShapes.error(ApiError.of(completion.error())) + "\n\n");
                return;
            }
            ObjectNode last = OpenAiShapes.chunk(id, created, model, null, null, null,
                    OpenAiShapes.finishReason(completion.finishReason()));
            last.set("meridian", OpenAiShapes.meridian(completion.provenance(), completion.label()));
            send(last);
            if (chat.includeUsage()) {
                send(OpenAiShapes.usageChunk(id, created, model, completion));
            }
            write("data: [DONE]\n\n");
        }

        private void send(ObjectNode chunk) throws IOException {
            out.write(frame(chunk));
            out.flush();
        }

        private static byte[] frame(ObjectNode chunk) throws IOException {
            return ("data: " + OpenAiShapes.JSON.writeValueAsString(chunk) + "\n\n").getBytes(StandardCharsets.UTF_8);
        }

        private void write(String frame) throws IOException {
            out.write(frame.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
    }

    private void health(HttpServletResponse response) throws IOException {
        ObjectNode body = OpenAiShapes.JSON.createObjectNode();
        var setting = routing.regionSetting();
        body.put("region", setting.region());
        body.put("region_source", setting.source().label());
        var eligible = body.putArray("eligible");
        routing.providers().stream().filter(ProviderStatus::eligible).forEach(p -> eligible.add(p.id()));
        if (closing) {
            body.put("status", "unavailable");
            body.put("reason", "shutting down");
            send(response, 503, body);
        } else if (eligible.isEmpty()) {
            body.put("status", "unavailable");
            body.put("reason", setting.isInvalid() ? "the region setting is invalid: " + setting.problem()
                    : routing.activePolicy().isEmpty() ? "no policy for region " + setting.region()
                            : "no provider of region " + setting.region() + " is allowed and available");
            send(response, 503, body);
        } else {
            body.put("status", "ok");
            send(response, 200, body);
        }
    }

    private void model(String name, HttpServletResponse response) throws IOException, ApiError {
        String owner = models.available().get(name);
        if (owner == null) {
            throw new ApiError(404, "invalid_request_error", "model_not_found", "model",
                    "The model '" + name + "' does not exist or is not served in this region", 0);
        }
        ObjectNode model = OpenAiShapes.JSON.createObjectNode();
        model.put("id", name);
        model.put("object", "model");
        model.put("created", 0);
        model.put("owned_by", owner);
        send(response, 200, model);
    }

    /**
     * The body, refused with 413 past the limit before more than the limit is kept. The rest of an oversized body is
     * read and dropped, up to {@link #DISCARD_LIMIT}: a server that closes on a client still sending makes the client
     * see a reset connection rather than the 413.
     */
    private byte[] boundedBody(HttpServletRequest request) throws IOException, ApiError {
        int limit = settings.maxBodyBytes();
        try (InputStream in = request.getInputStream()) {
            if (request.getContentLengthLong() > limit) {
                discard(in, DISCARD_LIMIT);
                throw tooLarge(limit);
            }
            byte[] body = in.readNBytes(limit + 1);
            if (body.length > limit) {
                discard(in, DISCARD_LIMIT);
                throw tooLarge(limit);
            }
            return body;
        }
    }

    /** Reads and drops what is left of a body, at most {@code limit} bytes. */
    private static void discard(InputStream in, long limit) throws IOException {
        byte[] buffer = new byte[16 << 10];
        long left = limit;
        int n;
        while (left > 0 && (n = in.read(buffer, 0, (int) Math.min(buffer.length, left))) > 0) {
            left -= n;
        }
    }

    private static ApiError tooLarge(int limit) {
        return new ApiError(413, "invalid_request_error", "request_too_large", null,
                "the request body is larger than " + limit + " bytes", 0);
    }

    /**
     * CORS only for configured origins: a browser page from anywhere else gets no permission (its browser blocks
     * the answer) and its preflight is refused.
     */
    private boolean cors(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String origin = request.getHeader("Origin");
        if (origin == null) {
            return true;
        }
        if (settings.corsOrigins().contains(origin.toLowerCase(java.util.Locale.ROOT))) {
            response.setHeader("Access-Control-Allow-Origin", origin);
            response.setHeader("Vary", "Origin");
            response.setHeader("Access-Control-Allow-Headers", "Authorization, Content-Type");
            response.setHeader("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
            response.setHeader("Access-Control-Expose-Headers", "x-meridian-provider, x-meridian-region");
            return true;
        }
        if ("OPTIONS".equals(request.getMethod())) {
            error(response, new ApiError(403, "invalid_request_error", "origin_not_allowed", null,
                    "origin " + origin + " may not call this gateway (corsOrigins)", 0));
            return false;
        }
        return true;
    }

    private static void method(HttpServletRequest request, String expected) throws ApiError {
        if (!expected.equals(request.getMethod())) {
            throw new ApiError(405, "invalid_request_error", "method_not_allowed", null,
                    request.getMethod() + " is not allowed here; use " + expected, 0);
        }
    }

    private static void headers(HttpServletResponse response, Provenance provenance) {
        if (provenance.providerId() != null) {
            response.setHeader("x-meridian-provider", provenance.providerId());
        }
        if (provenance.region() != null) {
            response.setHeader("x-meridian-region", provenance.region());
        }
    }

    private static String id(Completion completion) {
        return "chatcmpl-" + (completion.label() != null ? completion.label().contentId() : UUID.randomUUID());
    }

    private static void error(HttpServletResponse response, ApiError error) throws IOException {
        if (error.retryAfterSeconds > 0) {
            response.setHeader("Retry-After", Long.toString(error.retryAfterSeconds));
        }
        send(response, error.status, OpenAiShapes.error(error));
    }

    /** A whole JSON answer (the operators' page answers the same way). */
    static void send(HttpServletResponse response, int status, ObjectNode body) throws IOException {
        byte[] bytes = OpenAiShapes.JSON.writeValueAsBytes(body);
        response.setStatus(status);
        response.setContentType("application/json");
        response.setCharacterEncoding("UTF-8");
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }

    /** Requests being served now. */
    int active() {
        return active.get();
    }

    boolean tokensRequired() {
        return tokens.required();
    }

    /** For the operators' page: the same bearer tokens guard its region switch. */
    boolean accepts(String authorization) {
        return tokens.accepts(authorization);
    }
}
