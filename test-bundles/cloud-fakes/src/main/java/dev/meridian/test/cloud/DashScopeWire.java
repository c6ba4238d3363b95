package dev.meridian.test.cloud;

import static dev.meridian.test.cloud.Wire.quote;

/**
 * DashScope as the real service streams it. Native API: events of {@code id:N}, {@code event:result}, the comment
 * {@code :HTTP_STATUS/200} and {@code data:} with {@code output.choices[0].message} (incremental content and
 * {@code reasoning_content}), {@code finish_reason} the string {@code "null"} until the last event, cumulative usage,
 * and no terminator. Errors are {@code {code,message,request_id}}, as an HTTP error or as {@code event:error} inside
 * a 200 stream. The OpenAI-compatible mode ({@code /compatible-mode/v1/chat/completions}) streams like OpenAI, with
 * reasoning in {@code delta.reasoning_content}.
 */
public final class DashScopeWire {
    public static final String NATIVE_PATH = "/api/v1/services/aigc/text-generation/generation";
    public static final String COMPATIBLE_PATH = "/compatible-mode/v1/chat/completions";

    private DashScopeWire() {
    }

    static String event(int id, String reasoning, String content, String finish, int input, int output,
            int reasoningTokens) {
        return "id:" + id + "\nevent:result\n:HTTP_STATUS/200\ndata:{\"output\":{\"choices\":[{\"message\":{"
                + "\"content\":" + quote(content) + ",\"reasoning_content\":" + quote(reasoning)
                + ",\"role\":\"assistant\"},\"finish_reason\":\"" + finish + "\"}]},\"usage\":{\"input_tokens\":"
                + input + ",\"output_tokens\":" + output + ",\"total_tokens\":" + (input + output)
                + ",\"output_tokens_details\":{\"reasoning_tokens\":" + reasoningTokens + "}},"
                + "\"request_id\":\"fake-5c0c-4a5b\"}\n\n";
    }

    /** A native answer: optional reasoning pieces, then content pieces; cumulative usage. */
    public static Scenario answer(String[] reasoning, String... pieces) {
        return exchange -> {
            exchange.startStream("req-cost-time: 12", "x-request-id: fake-5c0c-4a5b");
            int id = 0;
            int output = 0;
            for (String piece : reasoning) {
                exchange.send(event(++id, piece, "", "null", 12, ++output, output));
            }
            int thinking = output;
            for (String piece : pieces) {
                exchange.send(event(++id, "", piece, "null", 12, ++output, thinking));
            }
            exchange.send(event(++id, "", "", "stop", 12, output, thinking));
        };
    }

    public static Scenario answer(String... pieces) {
        return answer(new String[0], pieces);
    }

    static String errorBody(String code, String message) {
        return "{\"code\":" + quote(code) + ",\"message\":" + quote(message)
                + ",\"request_id\":\"fake-e7b1-41d2\"}";
    }

    /** An HTTP error with DashScope's body ({@code InvalidApiKey}, {@code Throttling.RateQuota}, ...). */
    public static Scenario httpError(int status, String code, String message, String... headers) {
        return exchange -> exchange.json(status, errorBody(code, message), headers);
    }

    /** 401 InvalidApiKey, echoing the key it received. */
    public static Scenario invalidKey() {
        return exchange -> {
            String auth = String.valueOf(exchange.request().header("authorization"));
            exchange.json(401, errorBody("InvalidApiKey", "Invalid API-key provided: " + auth));
        };
    }

    /** An error inside a 200 stream: {@code event:error} with the real status as a comment. */
    public static Scenario errorInStream(int piecesFirst, int status, String code, String message) {
        return exchange -> {
            exchange.startStream();
            int id = 0;
            for (int i = 0; i < piecesFirst; i++) {
                exchange.send(event(++id, "", "p" + i + " ", "null", 12, id, 0));
            }
            exchange.send("id:" + (++id) + "\nevent:error\n:HTTP_STATUS/" + status + "\ndata:"
                    + errorBody(code, message) + "\n\n");
        };
    }

    /** Content, then the body ends without an event whose finish reason is set. */
    public static Scenario noFinish(String... pieces) {
        return exchange -> {
            exchange.startStream();
            int id = 0;
            for (String piece : pieces) {
                exchange.send(event(++id, "", piece, "null", 12, id, 0));
            }
        };
    }

    /** Drops the connection after {@code pieces}. */
    public static Scenario dropAfter(String... pieces) {
        return exchange -> {
            exchange.startStream();
            int id = 0;
            for (String piece : pieces) {
                exchange.send(event(++id, "", piece, "null", 12, id, 0));
            }
            Exchange.pause(50); // let the client read what was sent: a reset discards unread data
            exchange.drop();
        };
    }

    /** OpenAI-compatible mode, with reasoning in {@code delta.reasoning_content}. */
    public static Scenario compatibleAnswer(String[] reasoning, String... pieces) {
        return exchange -> {
            exchange.startStream();
            for (String piece : reasoning) {
                exchange.send(compatibleChunk("{\"content\":null,\"reasoning_content\":" + quote(piece) + "}", null));
            }
            for (String piece : pieces) {
                exchange.send(compatibleChunk("{\"content\":" + quote(piece) + ",\"reasoning_content\":null}", null));
            }
            exchange.send(compatibleChunk("{\"content\":\"\"}", "stop"));
            exchange.send("data: {\"choices\":[],\"object\":\"chat.completion.chunk\",\"usage\":{\"prompt_tokens\":12,"
                    + "\"completion_tokens\":" + (reasoning.length + pieces.length) + ",\"total_tokens\":"
                    + (12 + reasoning.length + pieces.length) + ",\"completion_tokens_details\":{\"reasoning_tokens\":"
                    + reasoning.length + "}},\"created\":1732000000,\"system_fingerprint\":null,"
                    + "\"model\":\"qwen-plus\",\"id\":\"chatcmpl-fake\"}\n\n");
            exchange.send("data: [DONE]\n\n");
        };
    }

    static String compatibleChunk(String delta, String finish) {
        return "data: {\"choices\":[{\"delta\":" + delta + ",\"finish_reason\":"
                + (finish == null ? "null" : quote(finish)) + ",\"index\":0,\"logprobs\":null}],"
                + "\"object\":\"chat.completion.chunk\",\"usage\":null,\"created\":1732000000,"
                + "\"system_fingerprint\":null,\"model\":\"qwen-plus\",\"id\":\"chatcmpl-fake\"}\n\n";
    }

    /** Waits before the first byte of the response, then answers. */
    public static Scenario slowFirstToken(long millis, String... pieces) {
        Scenario answer = answer(pieces);
        return exchange -> {
            Exchange.pause(millis);
            answer.answer(exchange);
        };
    }

    /** Sends {@code pieces}, then stalls for {@code millis} before the last event. */
    public static Scenario stall(long millis, String... pieces) {
        return exchange -> {
            exchange.startStream();
            int id = 0;
            for (String piece : pieces) {
                exchange.send(event(++id, "", piece, "null", 12, id, 0));
            }
            Exchange.pause(millis);
            exchange.send(event(++id, "", "", "stop", 12, id, 0));
        };
    }

    /** Streams {@code count} pieces, {@code intervalMs} apart ({@code Integer.MAX_VALUE}: practically endless). */
    public static Scenario paced(int count, long intervalMs) {
        return exchange -> {
            exchange.startStream();
            int id = 0;
            for (int i = 0; i < count; i++) {
                exchange.send(event(++id, "", "t" + i + " ", "null", 5, id, 0));
                Exchange.pause(intervalMs);
            }
            exchange.send(event(++id, "", "", "stop", 5, count, 0));
        };
    }
}
