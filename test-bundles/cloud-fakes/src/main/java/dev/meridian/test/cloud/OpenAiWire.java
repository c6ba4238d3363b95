package dev.meridian.test.cloud;

import static dev.meridian.test.cloud.Wire.quote;

import java.nio.charset.StandardCharsets;

/**
 * OpenAI Chat Completions as the real service streams it: {@code data: } lines of {@code chat.completion.chunk}
 * objects (a first chunk with the role, content deltas, a chunk with {@code finish_reason}, then, with
 * {@code stream_options.include_usage}, a chunk with empty {@code choices} and the usage), then
 * {@code data: [DONE]}. Errors are {@code {"error":{message,type,param,code}}}.
 */
public final class OpenAiWire {
    public static final String PATH = "/v1/chat/completions";
    private static final String MODEL = "gpt-4o-mini-2024-07-18";

    private OpenAiWire() {
    }

    static String chunk(String delta, String finish) {
        return "data: {\"id\":\"chatcmpl-fake\",\"object\":\"chat.completion.chunk\",\"created\":1732000000,"
                + "\"model\":\"" + MODEL + "\",\"system_fingerprint\":\"fp_fake\",\"choices\":[{\"index\":0,\"delta\":"
                + delta + ",\"logprobs\":null,\"finish_reason\":" + (finish == null ? "null" : quote(finish))
                + "}],\"usage\":null}\n\n";
    }

    static String usage(int prompt, int completion) {
        return "data: {\"id\":\"chatcmpl-fake\",\"object\":\"chat.completion.chunk\",\"created\":1732000000,"
                + "\"model\":\"" + MODEL + "\",\"system_fingerprint\":\"fp_fake\",\"choices\":[],\"usage\":{"
                + "\"prompt_tokens\":" + prompt + ",\"completion_tokens\":" + completion + ",\"total_tokens\":"
                + (prompt + completion) + ",\"prompt_tokens_details\":{\"cached_tokens\":0},"
                + "\"completion_tokens_details\":{\"reasoning_tokens\":0}}}\n\n";
    }

    static String error(String message, String type, String code) {
        return "{\"error\":{\"message\":" + quote(message) + ",\"type\":" + quote(type) + ",\"param\":null,\"code\":"
                + (code == null ? "null" : quote(code)) + "}}";
    }

    /** A normal answer made of {@code pieces}, with {@code finish} as its finish reason. */
    public static Scenario answerFinishing(String finish, String... pieces) {
        return exchange -> {
            exchange.startStream("x-request-id: req_fake");
            exchange.send(chunk("{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null}", null));
            for (String piece : pieces) {
                exchange.send(chunk("{\"content\":" + quote(piece) + "}", null));
            }
            exchange.send(chunk("{}", finish));
            exchange.send(usage(9, pieces.length));
            exchange.send("data: [DONE]\n\n");
        };
    }

    public static Scenario answer(String... pieces) {
        return answerFinishing("stop", pieces);
    }

    /** 429 rate_limit_exceeded with both retry hints. */
    public static Scenario rateLimited(long retryAfterMs) {
        return exchange -> exchange.json(429, error("Rate limit reached for gpt-4o-mini in organization org-fake on "
                + "requests per min (RPM): Limit 3, Used 3, Requested 1.", "requests", "rate_limit_exceeded"),
                "retry-after-ms: " + retryAfterMs, "retry-after: " + Math.max(1, retryAfterMs / 1000),
                "x-ratelimit-remaining-requests: 0");
    }

    /** 429 insufficient_quota: must not be retried. */
    public static Scenario quotaExhausted() {
        return exchange -> exchange.json(429, error("You exceeded your current quota, please check your plan and "
                + "billing details.", "insufficient_quota", "insufficient_quota"));
    }

    /** 401 that echoes the key it received, as a hostile or careless server might. */
    public static Scenario invalidKey() {
        return exchange -> {
            String auth = String.valueOf(exchange.request().header("authorization"));
            exchange.json(401, error("Incorrect API key provided: " + auth.replace("Bearer ", "")
                    + ". You can find your API key at https://platform.openai.com/account/api-keys.",
                    "invalid_request_error", "invalid_api_key"));
        };
    }

    public static Scenario serverError(int status) {
        return exchange -> exchange.json(status, error("The server had an error while processing your request.",
                "server_error", null));
    }

    /** An error event inside a 200 stream, after {@code piecesFirst} content pieces. */
    public static Scenario errorInStream(int piecesFirst, String type, String code) {
        return exchange -> {
            exchange.startStream();
            for (int i = 0; i < piecesFirst; i++) {
                exchange.send(chunk("{\"content\":\"p" + i + " \"}", null));
            }
            exchange.send("data: " + error("The model produced invalid content.", type, code) + "\n\n");
        };
    }

    /** Waits before the first byte of the response. */
    public static Scenario slowFirstToken(long millis, String... pieces) {
        Scenario answer = answer(pieces);
        return exchange -> {
            Exchange.pause(millis);
            answer.answer(exchange);
        };
    }

    /** Sends {@code pieces}, then stalls for {@code millis} before finishing. */
    public static Scenario stall(long millis, String... pieces) {
        return exchange -> {
            exchange.startStream();
            for (String piece : pieces) {
                exchange.send(chunk("{\"content\":" + quote(piece) + "}", null));
            }
            Exchange.pause(millis);
            exchange.send(chunk("{}", "stop"));
            exchange.send("data: [DONE]\n\n");
        };
    }

    /** Drops the connection after {@code pieces}. */
    public static Scenario dropAfter(String... pieces) {
        return exchange -> {
            exchange.startStream();
            for (String piece : pieces) {
                exchange.send(chunk("{\"content\":" + quote(piece) + "}", null));
            }
            Exchange.pause(50); // let the client read what was sent: a reset discards unread data
            exchange.drop();
        };
    }

    /** Ends the body properly but without {@code data: [DONE]}. */
    public static Scenario noTerminator(String... pieces) {
        return exchange -> {
            exchange.startStream();
            for (String piece : pieces) {
                exchange.send(chunk("{\"content\":" + quote(piece) + "}", null));
            }
            exchange.send(chunk("{}", "stop"));
        };
    }

    public static Scenario malformedJson() {
        return exchange -> {
            exchange.startStream();
            exchange.send("data: {\"id\":\"chatcmpl-fake\",\"choices\":[{\"delta\":{\"content\":\"x\"\n\n");
        };
    }

    /** JSON of the wrong shape: {@code choices} is an object. */
    public static Scenario wrongShape() {
        return exchange -> {
            exchange.startStream();
            exchange.send("data: {\"id\":\"chatcmpl-fake\",\"choices\":{\"delta\":\"x\"}}\n\n");
        };
    }

    /** One line of {@code bytes} bytes that never ends. */
    public static Scenario hugeLine(int bytes) {
        return exchange -> {
            exchange.startStream();
            byte[] block = "x".repeat(64 * 1024).getBytes(StandardCharsets.US_ASCII);
            exchange.send("data: ");
            for (int sent = 0; sent < bytes; sent += block.length) {
                exchange.sendBytes(block);
            }
        };
    }

    public static Scenario invalidUtf8() {
        return exchange -> {
            exchange.startStream();
            exchange.sendBytes(new byte[] { 'd', 'a', 't', 'a', ':', ' ', (byte) 0xC3, (byte) 0x28, (byte) 0xFF, '\n',
                    '\n' });
        };
    }

    /** Streams tokens every {@code intervalMs} and never ends (until the client goes away). */
    public static Scenario endless(long intervalMs) {
        return exchange -> {
            exchange.startStream();
            for (int i = 0;; i++) {
                exchange.send(chunk("{\"content\":\"t" + i + " \"}", null));
                Exchange.pause(intervalMs);
            }
        };
    }

    /** Streams {@code count} pieces, {@code intervalMs} apart. */
    public static Scenario paced(int count, long intervalMs) {
        return exchange -> {
            exchange.startStream();
            for (int i = 0; i < count; i++) {
                exchange.send(chunk("{\"content\":\"t" + i + " \"}", null));
                Exchange.pause(intervalMs);
            }
            exchange.send(chunk("{}", "stop"));
            exchange.send(usage(5, count));
            exchange.send("data: [DONE]\n\n");
        };
    }
}
