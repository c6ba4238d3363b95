package dev.meridian.gateway;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import dev.meridian.api.ChatRequest;
import dev.meridian.api.GenerationOptions;
import dev.meridian.api.Message;
import dev.meridian.api.Role;

/**
 * Reads an OpenAI Chat Completions request into Meridian's {@link ChatRequest}. A field Meridian cannot honour is
 * refused with 400 naming it, never silently dropped; a field that changes nothing about the answer ({@code user})
 * is accepted.
 */
final class ChatRequestReader {
    /** What was asked: the request for the router, and how to answer it. */
    record Chat(ChatRequest request, String model, boolean stream, boolean includeUsage) {
    }

    /** Fields Meridian understands. */
    private static final Set<String> KNOWN = Set.of("model", "messages", "max_tokens", "max_completion_tokens",
            "temperature", "top_p", "stop", "seed", "stream", "stream_options", "user", "n", "presence_penalty",
            "frequency_penalty", "logprobs", "store", "metadata", "tools", "tool_choice", "functions",
            "function_call", "response_format", "parallel_tool_calls", "logit_bias", "top_logprobs", "audio",
            "modalities", "prediction", "reasoning_effort", "service_tier", "web_search_options");
    private static final int MAX_STOP = 4;

    private ChatRequestReader() {
    }

    /** {@code models} resolves the {@code model} field to a provider and model (see {@link ModelNames}). */
    static Chat read(JsonNode body, ModelNames models) throws ApiError {
        if (body == null || !body.isObject()) {
            throw ApiError.invalid(null, "the request body must be a JSON object");
        }
        for (Iterator<String> names = body.fieldNames(); names.hasNext();) {
            String name = names.next();
            if (!KNOWN.contains(name)) {
                throw ApiError.invalid(name, "Unrecognized request argument supplied: " + name);
            }
        }
        refuseUnlessDefault(body, "n", 1, "only one choice (n = 1) is generated");
        refuseUnlessDefault(body, "presence_penalty", 0, "presence_penalty is not supported");
        refuseUnlessDefault(body, "frequency_penalty", 0, "frequency_penalty is not supported");
        refuseUnlessFalse(body, "logprobs", "logprobs are not returned");
        refuseUnlessFalse(body, "store", "Meridian does not store completions");
        refuseUnlessFalse(body, "parallel_tool_calls", "tool calls are not supported");
        for (String field : List.of("tools", "tool_choice", "functions", "function_call", "logit_bias",
                "top_logprobs", "audio", "prediction", "reasoning_effort", "web_search_options", "service_tier")) {
            if (body.has(field) && !body.get(field).isNull()) {
                throw ApiError.unsupported(field, field + " is not supported by Meridian");
            }
        }
        if (body.has("modalities") && !body.get("modalities").isNull()) {
            for (JsonNode modality : body.get("modalities")) {
                if (!"text".equals(modality.asText())) {
                    throw ApiError.unsupported("modalities", "only text output is supported");
                }
            }
        }
        if (body.has("response_format") && !body.get("response_format").isNull()
                && !"text".equals(body.get("response_format").path("type").asText())) {
            throw ApiError.unsupported("response_format", "only response_format {\"type\": \"text\"} is supported");
        }
        if (body.has("metadata") && !body.get("metadata").isNull() && !body.get("metadata").isObject()) {
            throw ApiError.invalid("metadata", "metadata must be an object");
        }
        if (body.has("user") && !body.get("user").isNull() && !body.get("user").isTextual()) {
            throw ApiError.invalid("user", "user must be a string");
        }

        JsonNode modelNode = body.get("model");
        if (modelNode == null || modelNode.isNull()) {
            throw ApiError.invalid("model", "you must provide a model parameter (\"meridian\" routes by region)");
        }
        if (!modelNode.isTextual() || modelNode.asText().isBlank()) {
            throw ApiError.invalid("model", "model must be a non-empty string");
        }
        String model = modelNode.asText();
        List<Message> messages = messages(body.get("messages"));
        GenerationOptions options = options(body);
        ChatRequest request = models.resolve(model, new ChatRequest(messages, options, null, null));

        boolean stream = bool(body, "stream");
        boolean includeUsage = false;
        JsonNode streamOptions = body.get("stream_options");
        if (streamOptions != null && !streamOptions.isNull()) {
            if (!stream) {
                throw ApiError.invalid("stream_options", "stream_options is only allowed when stream is true");
            }
            if (!streamOptions.isObject()) {
                throw ApiError.invalid("stream_options", "stream_options must be an object");
            }
            for (Iterator<String> names = streamOptions.fieldNames(); names.hasNext();) {
                String name = names.next();
                if (!name.equals("include_usage")) {
                    throw ApiError.unsupported("stream_options." + name, "stream_options." + name
                            + " is not supported");
                }
            }
            includeUsage = bool(streamOptions, "include_usage");
        }
        return new Chat(request, model, stream, includeUsage);
    }

    private static List<Message> messages(JsonNode node) throws ApiError {
        if (node == null || node.isNull()) {
            throw ApiError.invalid("messages", "you must provide messages");
        }
        if (!node.isArray() || node.isEmpty()) {
            throw ApiError.invalid("messages", "messages must be a non-empty array");
        }
        List<Message> messages = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode message = node.get(i);
            String where = "messages[" + i + "]";
            if (!message.isObject()) {
                throw ApiError.invalid(where, where + " must be an object");
            }
            for (Iterator<String> names = message.fieldNames(); names.hasNext();) {
                String name = names.next();
                if (!Set.of("role", "content", "name").contains(name)) {
                    throw ApiError.unsupported(where + "." + name, where + "." + name + " is not supported");
                }
            }
            Role role = switch (message.path("role").asText("")) {
                case "system", "developer" -> Role.SYSTEM;
                case "user" -> Role.USER;
                case "assistant" -> Role.ASSISTANT;
                case "" -> throw ApiError.invalid(where + ".role", where + " needs a role");
                default -> throw ApiError.unsupported(where + ".role", where + ".role '"
                        + message.path("role").asText() + "' is not supported (system, developer, user, assistant)");
            };
            messages.add(new Message(role, content(message.get("content"), where + ".content")));
        }
        return messages;
    }

    /** A string, or an array of text parts. */
    private static String content(JsonNode node, String where) throws ApiError {
        if (node == null || node.isNull()) {
            throw ApiError.invalid(where, where + " is required");
        }
        if (node.isTextual()) {
            return node.asText();
        }
        if (!node.isArray()) {
            throw ApiError.invalid(where, where + " must be a string or an array of text parts");
        }
        StringBuilder text = new StringBuilder();
        for (int j = 0; j < node.size(); j++) {
            JsonNode part = node.get(j);
            String type = part.path("type").asText("");
            if (!type.equals("text")) {
                throw ApiError.unsupported(where + "[" + j + "].type", "content parts of type '" + type
                        + "' are not supported; only text");
            }
            if (!part.path("text").isTextual()) {
                throw ApiError.invalid(where + "[" + j + "].text", "a text part needs a string text");
            }
            text.append(part.get("text").asText());
        }
        return text.toString();
    }

    private static GenerationOptions options(JsonNode body) throws ApiError {
        Integer maxTokens = positiveInt(body, "max_completion_tokens");
        if (maxTokens == null) {
            maxTokens = positiveInt(body, "max_tokens");
        }
        Double temperature = number(body, "temperature");
        Double topP = number(body, "top_p");
        Long seed = null;
        if (body.has("seed") && !body.get("seed").isNull()) {
            if (!body.get("seed").canConvertToLong() || !body.get("seed").isIntegralNumber()) {
                throw ApiError.invalid("seed", "seed must be an integer");
            }
            seed = body.get("seed").asLong();
        }
        List<String> stop = new ArrayList<>();
        JsonNode stopNode = body.get("stop");
        if (stopNode != null && !stopNode.isNull()) {
            if (stopNode.isTextual()) {
                stop.add(stopNode.asText());
            } else if (stopNode.isArray() && stopNode.size() <= MAX_STOP) {
                for (JsonNode s : stopNode) {
                    if (!s.isTextual()) {
                        throw ApiError.invalid("stop", "stop must be a string or an array of strings");
                    }
                    stop.add(s.asText());
                }
            } else {
                throw ApiError.invalid("stop", "stop must be a string or an array of up to " + MAX_STOP
                        + " strings");
            }
            if (stop.stream().anyMatch(String::isEmpty)) {
                throw ApiError.invalid("stop", "a stop sequence must not be empty");
            }
        }
        try {
            return new GenerationOptions(maxTokens, temperature, topP, null, seed, stop, Map.of());
        } catch (IllegalArgumentException e) {
            String param = e.getMessage().startsWith("temperature") ? "temperature"
                    : e.getMessage().startsWith("topP") ? "top_p" : null;
            throw ApiError.invalid(param, e.getMessage().replace("topP", "top_p"));
        }
    }

    private static Integer positiveInt(JsonNode body, String field) throws ApiError {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isIntegralNumber() || !node.canConvertToInt() || node.asInt() < 1) {
            throw ApiError.invalid(field, field + " must be a positive integer");
        }
        return node.asInt();
    }

    private static Double number(JsonNode body, String field) throws ApiError {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isNumber()) {
            throw ApiError.invalid(field, field + " must be a number");
        }
        return node.asDouble();
    }

    private static boolean bool(JsonNode body, String field) throws ApiError {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return false;
        }
        if (!node.isBoolean()) {
            throw ApiError.invalid(field, field + " must be true or false");
        }
        return node.asBoolean();
    }

    private static void refuseUnlessDefault(JsonNode body, String field, double value, String why) throws ApiError {
        JsonNode node = body.get(field);
        if (node != null && !node.isNull() && (!node.isNumber() || node.asDouble() != value)) {
            throw ApiError.unsupported(field, why);
        }
    }

    private static void refuseUnlessFalse(JsonNode body, String field, String why) throws ApiError {
        JsonNode node = body.get(field);
        if (node != null && !node.isNull() && (!node.isBoolean() || node.asBoolean())) {
            throw ApiError.unsupported(field, why);
        }
    }
}
