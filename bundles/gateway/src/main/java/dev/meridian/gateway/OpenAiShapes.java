package dev.meridian.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.meridian.api.Completion;
import dev.meridian.api.ContentLabel;
import dev.meridian.api.FinishReason;
import dev.meridian.api.Provenance;
import dev.meridian.api.Usage;

/** The JSON the gateway answers with: OpenAI's shapes, plus a {@code meridian} object on every answer. */
final class OpenAiShapes {
    static final ObjectMapper JSON = new ObjectMapper();

    private OpenAiShapes() {
    }

    /** A whole answer, {@code object: chat.completion}. */
    static ObjectNode completion(String id, long created, String model, String text, String reasoning,
            Completion end) {
        ObjectNode answer = head(id, "chat.completion", created, model(end.provenance(), model));
        ObjectNode choice = answer.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        message.put("content", text);
        if (!reasoning.isEmpty()) {
            message.put("reasoning_content", reasoning);
        }
        message.putNull("refusal");
        choice.putNull("logprobs");
        choice.put("finish_reason", finishReason(end.finishReason()));
        answer.set("usage", usage(end.usage()));
        answer.set("meridian", meridian(end.provenance(), end.label()));
        return answer;
    }

    /** One streamed chunk, {@code object: chat.completion.chunk}; {@code delta} may be empty. */
    static ObjectNode chunk(String id, long created, String model, String role, String content, String reasoning,
            String finishReason) {
        ObjectNode chunk = head(id, "chat.completion.chunk", created, model);
        ObjectNode choice = chunk.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode delta = choice.putObject("delta");
        if (role != null) {
            delta.put("role", role);
        }
        if (content != null) {
            delta.put("content", content);
        }
        if (reasoning != null) {
            delta.put("reasoning_content", reasoning);
        }
        choice.putNull("logprobs");
        if (finishReason == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finishReason);
        }
        return chunk;
    }

    /** The last chunk of a stream that asked for usage: no choices, the usage, and the meridian object. */
    static ObjectNode usageChunk(String id, long created, String model, Completion end) {
        ObjectNode chunk = head(id, "chat.completion.chunk", created, model(end.provenance(), model));
        chunk.putArray("choices");
        chunk.set("usage", usage(end.usage()));
        chunk.set("meridian", meridian(end.provenance(), end.label()));
        return chunk;
    }

    static ObjectNode error(ApiError error) {
        ObjectNode body = JSON.createObjectNode();
        ObjectNode object = body.putObject("error");
        object.put("message", error.getMessage());
        object.put("type", error.type);
        if (error.param == null) {
            object.putNull("param");
        } else {
            object.put("param", error.param);
        }
        object.put("code", error.code);
        return body;
    }

    /** Who served, where, and the content label the region's rules ask for. */
    static ObjectNode meridian(Provenance provenance, ContentLabel label) {
        ObjectNode meridian = JSON.createObjectNode();
        meridian.put("provider", provenance.providerId());
        meridian.put("model", provenance.model());
        meridian.put("region", provenance.region());
        meridian.put("scope", provenance.scope());
        meridian.put("attempts", provenance.attempts());
        meridian.put("latency_ms", provenance.latency().toMillis());
        if (provenance.timeToFirstToken() != null) {
            meridian.put("first_token_ms", provenance.timeToFirstToken().toMillis());
        }
        if (provenance.consent() != null) {
            meridian.put("consent", provenance.consent().scope() + "@" + provenance.consent().grantedAt());
        }
        if (label != null) {
            ObjectNode labels = meridian.putObject("labels");
            labels.put("content_id", label.contentId());
            labels.put("ai_generated", label.aiGenerated());
            if (label.hasExplicitText()) {
                labels.put("explicit", label.explicitText());
            }
        }
        return meridian;
    }

    static String finishReason(FinishReason reason) {
        return switch (reason) {
            case LENGTH -> "length";
            case CONTENT_FILTER -> "content_filter";
            default -> "stop";
        };
    }

    static String model(Provenance provenance, String asked) {
        return provenance.model() != null ? provenance.model() : asked;
    }

    static ObjectNode modelList(java.util.Map<String, String> owners) {
        ObjectNode list = JSON.createObjectNode();
        list.put("object", "list");
        ArrayNode data = list.putArray("data");
        owners.forEach((name, owner) -> {
            ObjectNode model = data.addObject();
            model.put("id", name);
            model.put("object", "model");
            model.put("created", 0);
            model.put("owned_by", owner);
        });
        return list;
    }

    private static ObjectNode head(String id, String object, long created, String model) {
        ObjectNode node = JSON.createObjectNode();
        node.put("id", id);
        node.put("object", object);
        node.put("created", created);
        node.put("model", model);
        return node;
    }

    private static ObjectNode usage(Usage usage) {
        ObjectNode node = JSON.createObjectNode();
        node.put("prompt_tokens", usage.promptTokens());
        node.put("completion_tokens", usage.completionTokens());
        node.put("total_tokens", usage.totalTokens());
        if (usage.reasoningTokens() > 0) {
            node.putObject("completion_tokens_details").put("reasoning_tokens", usage.reasoningTokens());
        }
        return node;
    }
}
