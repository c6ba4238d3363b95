package dev.meridian.api;

import java.util.List;
import java.util.Objects;

/**
 * One chat request.
 *
 * @param messages the conversation, oldest first; at least one message
 * @param options  how to generate
 * @param model    the model to use, or {@code null} for the provider's default
 * @param provider the id of the one provider that may serve it, or {@code null} to let the router choose. The
 *                 regional policy still applies: a pinned provider that is not eligible fails closed.
 */
public record ChatRequest(List<Message> messages, GenerationOptions options, String model, String provider) {

    public ChatRequest {
        Objects.requireNonNull(messages, "messages");
        if (messages.isEmpty()) {
            throw new IllegalArgumentException("a chat request needs at least one message");
        }
        messages = List.copyOf(messages);
        options = options == null ? GenerationOptions.DEFAULTS : options;
    }

    /** A request of one user message with default options. */
    public static ChatRequest of(String userText) {
        return new ChatRequest(List.of(Message.user(userText)), GenerationOptions.DEFAULTS, null, null);
    }

    public ChatRequest withOptions(GenerationOptions value) {
        return new ChatRequest(messages, value, model, provider);
    }

    public ChatRequest withModel(String value) {
        return new ChatRequest(messages, options, value, provider);
    }

    public ChatRequest withProvider(String value) {
        return new ChatRequest(messages, options, model, value);
    }
}
