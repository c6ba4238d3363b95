package dev.meridian.cloud;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.meridian.api.ErrorKind;
import dev.meridian.api.ModelException;

/** The one Jackson mapper of the cloud providers (thread-safe), with limits for hostile input. */
public final class Json {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .build();

    static {
        MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64)
                .maxStringLength(4 * 1024 * 1024).maxNumberLength(64).build());
    }

    private Json() {
    }

    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    /** A value of a request option as JSON (strings, numbers, booleans, lists, maps). */
    public static JsonNode valueToTree(Object value) {
        return MAPPER.valueToTree(value);
    }

    public static String write(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("could not write JSON", e);
        }
    }

    /** Parses an object sent by a server; anything else is a {@code bad-response} error naming {@code what}. */
    public static JsonNode parseObject(String text, String what) throws ModelException {
        try {
            JsonNode node = MAPPER.readTree(text);
            if (node == null || !node.isObject()) {
                throw new ModelException(ErrorKind.UNAVAILABLE, WireErrors.BAD_RESPONSE,
                        what + " is not a JSON object", null, null, null);
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new ModelException(ErrorKind.UNAVAILABLE, WireErrors.BAD_RESPONSE,
                    what + " is not valid JSON: " + e.getOriginalMessage(), null, null, null);
        }
    }

    /** Parses an error body leniently: {@code null} when it is not a JSON object. */
    public static JsonNode parseOrNull(String text) {
        try {
            JsonNode node = MAPPER.readTree(text);
            return node != null && node.isObject() ? node : null;
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    /** The text of a field, or {@code null} when it is absent, null or not a scalar. */
    public static String text(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        return value == null || value.isNull() || value.isContainerNode() ? null : value.asText();
    }
}
