package dev.meridian.cloud;

import java.net.URI;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.util.Map;

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

/**
 * The OpenAI Chat Completions wire format, streamed: {@code POST .../chat/completions} with {@code stream: true}
 * and {@code stream_options.include_usage}; SSE {@code data:} chunks of {@code choices[].delta}, a last chunk with
 * empty {@code choices} and the {@code usage}, then {@code data: [DONE]}. Used by the OpenAI provider and by
 * DashScope's OpenAI-compatible mode, which adds top-level fields ({@code enable_thinking}, ...) and sends reasoning
 * in {@code delta.reasoning_content}.
 */
public final class ChatCompletionsDialect implements WireDialect {
    private final URI endpoint;
    private final Secret key;
    private final Map<String, String> headers;
    private final String defaultModel;
    private final String maxTokensField;
    private final Timeouts timeouts;
    private final VendorCodes codes;

    /**
     * @param endpoint       the full chat completions URL
     * @param headers        extra headers (e.g. {@code OpenAI-Project})
     * @param maxTokensField {@code max_tokens} or {@code max_completion_tokens}
     * @param codes          the vendor's error codes ({@link VendorCodes#OPENAI} for OpenAI itself)
     */
    public ChatCompletionsDialect(URI endpoint, Secret key, Map<String, String> headers, String defaultModel,
            String maxTokensField, Timeouts timeouts, VendorCodes codes) {
        this.endpoint = endpoint;
        this.key = key;
        this.headers = Map.copyOf(headers);
        this.defaultModel = defaultModel;
        this.maxTokensField = maxTokensField;
        this.timeouts = timeouts;
        this.codes = codes;
    }

    @Override
    public HttpRequest request(ChatRequest request) {
        ObjectNode body = Json.object();
        body.put("model", request.model() != null ? request.model() : defaultModel);
        ArrayNode messages = body.putArray("messages");
        for (Message message : request.messages()) {
            messages.addObject().put("role", message.role().wireName()).put("content", message.content());
        }
        body.put("stream", true);
        body.putObject("stream_options").put("include_usage", true);
        GenerationOptions options = request.options();
        if (options.maxTokens() != null) {
            body.put(maxTokensField, options.maxTokens());
        }
        if (options.temperature() != null) {
            body.put("temperature", options.temperature());
        }
        if (options.topP() != null) {
            body.put("top_p", options.topP());
        }
        if (options.seed() != null) {
            body.put("seed", options.seed());
        }
        if (!options.stop().isEmpty()) {
            ArrayNode stop = body.putArray("stop");
            options.stop().forEach(stop::add);
        }
        // provider-specific switches (enable_thinking, top_k for servers that take it, ...) go in as top-level fields
        options.extra().forEach((name, value) -> body.set(name, Json.valueToTree(value)));
        if (options.topK() != null && !body.has("top_k")) {
            body.put("top_k", options.topK());
        }
        HttpRequest.Builder builder = HttpRequest.newBuilder(endpoint).timeout(timeouts.firstToken())
                .header("Content-Type", "application/json").header("Accept", "text/event-stream")
                .header("Authorization", "Bearer " + key.reveal())
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(body)));
        headers.forEach(builder::header);
        return builder.build();
    }

    @Override
    public StreamDecoder decoder() {
        return new Decoder();
    }

    @Override
    public WireFailure error(int status, HttpHeaders responseHeaders, String body) {
        JsonNode root = Json.parseOrNull(body);
        JsonNode error = root == null ? null : root.get("error");
        String code = Json.text(error, "code");
        String type = Json.text(error, "type");
        String message = Json.text(error, "message");
        ErrorKind kind = codes.kindOf(code, type, status);
        return WireErrors.failure(status, kind, "HTTP " + status + (code == null ? "" : " " + code) + ": "
                + (message != null ? message : WireErrors.excerpt(body)), responseHeaders);
    }

    private ModelException streamError(JsonNode error) {
        String code = Json.text(error, "code");
        String type = Json.text(error, "type");
        String message = Json.text(error, "message");
        return new ModelException(codes.kindOf(code, type, 200), code,
                "error inside the stream" + (code == null ? "" : " " + code) + ": " + message, null, null, null);
    }

    private final class Decoder implements StreamDecoder {
        private FinishReason finish;
        private Usage usage = Usage.NONE;
        private String model;
        private boolean done;

        @Override
        public boolean onEvent(SseEvent event, ProviderStream stream) throws ModelException {
            if (event.data() == null) {
                return false; // a comment or keep-alive
            }
            if (event.data().strip().equals("[DONE]")) {
                done = true;
                return true;
            }
            JsonNode chunk = Json.parseObject(event.data(), "a stream chunk");
            if (chunk.has("error")) {
                throw streamError(chunk.get("error"));
            }
            String chunkModel = Json.text(chunk, "model");
            if (chunkModel != null) {
                model = chunkModel;
            }
            JsonNode usageNode = chunk.get("usage");
            if (usageNode != null && usageNode.isObject()) {
                JsonNode details = usageNode.get("completion_tokens_details");
                usage = new Usage(usageNode.path("prompt_tokens").asInt(), usageNode.path("completion_tokens").asInt(),
                        details == null ? 0 : details.path("reasoning_tokens").asInt());
            }
            JsonNode choices = chunk.get("choices");
            if (choices != null && !choices.isArray()) {
                throw new ModelException(ErrorKind.UNAVAILABLE, WireErrors.BAD_RESPONSE,
                        "a stream chunk's choices is not an array", null, null, null);
            }
            if (choices != null && !choices.isEmpty()) {
                JsonNode choice = choices.get(0);
                JsonNode delta = choice.path("delta");
                String reasoning = Json.text(delta, "reasoning_content");
                if (reasoning == null) {
                    reasoning = Json.text(delta, "reasoning");
                }
                if (reasoning != null) {
                    stream.reasoning(reasoning);
                }
                String content = Json.text(delta, "content");
                if (content != null) {
                    stream.text(content);
                }
                String reason = Json.text(choice, "finish_reason");
                if (reason != null) {
                    finish = ChatCompletionsDialect.finishReason(reason);
                }
            }
            return false;
        }

        @Override
        public void onEndOfBody() throws ModelException {
            if (!done) {
                throw new ModelException(ErrorKind.UNAVAILABLE, "truncated",
                        "the stream ended without its [DONE] terminator", null, null, null);
            }
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
            return model;
        }
    }

    /** Maps a wire {@code finish_reason} ({@code stop}, {@code length}, {@code content_filter}, ...). */
    public static FinishReason finishReason(String wire) {
        return switch (wire) {
            case "length" -> FinishReason.LENGTH;
            case "content_filter" -> FinishReason.CONTENT_FILTER;
            default -> FinishReason.STOP;
        };
    }
}
