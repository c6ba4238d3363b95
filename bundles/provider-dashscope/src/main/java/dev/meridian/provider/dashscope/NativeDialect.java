package dev.meridian.provider.dashscope;

import java.net.URI;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.meridian.api.ChatRequest;
import dev.meridian.api.ErrorKind;
import dev.meridian.api.FinishReason;
import dev.meridian.api.GenerationOptions;
import dev.meridian.api.Message;
import dev.meridian.api.ModelException;
import dev.meridian.api.Usage;
import dev.meridian.api.provider.ProviderStream;
import dev.meridian.cloud.ChatCompletionsDialect;
import dev.meridian.cloud.Json;
import dev.meridian.cloud.Secret;
import dev.meridian.cloud.SseEvent;
import dev.meridian.cloud.StreamDecoder;
import dev.meridian.cloud.Timeouts;
import dev.meridian.cloud.WireDialect;
import dev.meridian.cloud.WireErrors;
import dev.meridian.cloud.WireFailure;

/**
 * DashScope's native text-generation API, streamed: {@code POST {host}/api/v1/services/aigc/text-generation/generation}
 * with {@code X-DashScope-SSE: enable}, {@code result_format: message} and {@code incremental_output: true}. Events
 * are {@code id:}, {@code event:result}, a {@code :HTTP_STATUS/200} comment and {@code data:} with
 * {@code output.choices[0].message.{content,reasoning_content}}, {@code finish_reason} the string {@code "null"}
 * until the last event, and cumulative {@code usage}. There is no terminator: the answer ends with the event whose
 * finish reason is not {@code "null"}. Errors are {@code {code,message,request_id}}, also as {@code event:error}
 * inside a 200 stream.
 */
final class NativeDialect implements WireDialect {
    static final String PATH = "/api/v1/services/aigc/text-generation/generation";
    /** Request options passed to DashScope as parameters, by name. */
    static final java.util.Set<String> QWEN_OPTIONS = java.util.Set.of("enable_thinking", "thinking_budget",
            "enable_search", "search_options", "repetition_penalty", "presence_penalty");

    private final URI endpoint;
    private final Secret key;
    private final String defaultModel;
    private final Timeouts timeouts;

    NativeDialect(URI host, Secret key, String defaultModel, Timeouts timeouts) {
        this.endpoint = URI.create(host + PATH);
        this.key = key;
        this.defaultModel = defaultModel;
        this.timeouts = timeouts;
    }

    @Override
    public HttpRequest request(ChatRequest request) {
        ObjectNode body = Json.object();
        body.put("model", request.model() != null ? request.model() : defaultModel);
        ArrayNode messages = body.putObject("input").putArray("messages");
        for (Message message : request.messages()) {
            messages.addObject().put("role", message.role().wireName()).put("content", message.content());
        }
        ObjectNode parameters = body.putObject("parameters");
        parameters.put("result_format", "message");
        parameters.put("incremental_output", true);
        GenerationOptions options = request.options();
        if (options.maxTokens() != null) {
            parameters.put("max_tokens", options.maxTokens());
        }
        if (options.temperature() != null) {
            parameters.put("temperature", options.temperature());
        }
        if (options.topP() != null) {
            parameters.put("top_p", options.topP());
        }
        if (options.topK() != null) {
            parameters.put("top_k", options.topK());
        }
        if (options.seed() != null) {
            parameters.put("seed", options.seed());
        }
        if (!options.stop().isEmpty()) {
            ArrayNode stop = parameters.putArray("stop");
            options.stop().forEach(stop::add);
        }
        options.extra().forEach((name, value) -> {
            if (QWEN_OPTIONS.contains(name)) {
                parameters.set(name, Json.valueToTree(value));
            }
        });
        return HttpRequest.newBuilder(endpoint).timeout(timeouts.firstToken())
                .header("Content-Type", "application/json").header("Accept", "text/event-stream")
                .header("X-DashScope-SSE", "enable").header("Authorization", "Bearer " + key.reveal())
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(body))).build();
    }

    @Override
    public StreamDecoder decoder() {
        return new Decoder();
    }

    @Override
    public WireFailure error(int status, HttpHeaders headers, String body) {
        JsonNode root = Json.parseOrNull(body);
        String code = Json.text(root, "code");
        String message = Json.text(root, "message");
        ErrorKind kind = DashScopeCodes.CODES.kindOf(code, null, status);
        return WireErrors.failure(status, kind, "HTTP " + status + (code == null ? "" : " " + code) + ": "
                + (message != null ? message : WireErrors.excerpt(body)) + requestId(root), headers);
    }

    private static String requestId(JsonNode root) {
        String id = Json.text(root, "request_id");
        return id == null ? "" : " (request_id " + id + ")";
    }

    private static final class Decoder implements StreamDecoder {
        private FinishReason finish;
        private Usage usage = Usage.NONE;

        @Override
        public boolean onEvent(SseEvent event, ProviderStream stream) throws ModelException {
            if (event.data() == null) {
                return false;
            }
            JsonNode data = Json.parseObject(event.data(), "a DashScope event");
            String code = Json.text(data, "code");
            if ("error".equals(event.event()) || (code != null && !code.isEmpty() && !data.has("output"))) {
                throw new ModelException(DashScopeCodes.CODES.kindOf(code, null, 200), code, "error inside the stream "
                        + code + ": " + Json.text(data, "message") + requestId(data), null, null, null);
            }
            JsonNode usageNode = data.get("usage");
            if (usageNode != null && usageNode.isObject()) {
                usage = new Usage(usageNode.path("input_tokens").asInt(), usageNode.path("output_tokens").asInt(),
                        usageNode.path("output_tokens_details").path("reasoning_tokens").asInt());
            }
            JsonNode choices = data.path("output").path("choices");
            if (!choices.isArray() || choices.isEmpty()) {
                throw new ModelException(ErrorKind.UNAVAILABLE, WireErrors.BAD_RESPONSE,
                        "a DashScope event without output.choices", null, null, null);
            }
            JsonNode choice = choices.get(0);
            JsonNode message = choice.path("message");
            String reasoning = Json.text(message, "reasoning_content");
            if (reasoning != null) {
                stream.reasoning(reasoning);
            }
            String content = Json.text(message, "content");
            if (content != null) {
                stream.text(content);
            }
            String reason = Json.text(choice, "finish_reason");
            if (reason != null && !reason.equals("null")) {
                finish = ChatCompletionsDialect.finishReason(reason);
                return true;
            }
            return false;
        }

        @Override
        public void onEndOfBody() throws ModelException {
            throw new ModelException(ErrorKind.UNAVAILABLE, "truncated",
                    "the stream ended before an event with a finish reason", null, null, null);
        }

        @Override
        public FinishReason finishReason() {
            return finish == null ? FinishReason.STOP : finish;
        }

        @Override
        public Usage usage() {
            return usage;
        }

        @Override
        public String model() {
            return null;
        }
    }
}
