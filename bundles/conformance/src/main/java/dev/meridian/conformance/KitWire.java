package dev.meridian.conformance;

import dev.meridian.test.cloud.DashScopeWire;
import dev.meridian.test.cloud.OpenAiWire;
import dev.meridian.test.cloud.Scenario;

/**
 * The wire format the kit's fake server speaks (`--wire`): OpenAI's Chat Completions, which OpenAI-compatible
 * providers and the template use, or DashScope's native API. Each gives the same scenarios in its own bytes.
 */
interface KitWire {

    Scenario answer(String... pieces);

    Scenario paced(int count, long intervalMs);

    Scenario slowFirstToken(long millis, String... pieces);

    /** A 429; with retry hints asking for {@code retryAfterMs} where the service sends them. */
    Scenario rateLimited(long retryAfterMs);

    /** Whether the service sends retry hints with a 429 (OpenAI does; DashScope does not). */
    boolean sendsRetryHints();

    Scenario quotaExhausted();

    /** A rejected key; the server echoes the key it got, as a careless one might. */
    Scenario invalidKey();

    Scenario serverError();

    /** A retry-safe server error inside a 200 stream after the deltas {@code "p0 "}, {@code "p1 "}, .... */
    Scenario errorInStream(int piecesFirst);

    Scenario malformed();

    Scenario stall(long millis, String... pieces);

    Scenario dropAfter(String... pieces);

    /** @throws IllegalArgumentException for a name the kit does not speak */
    static KitWire named(String name) {
        return switch (name) {
            case "openai" -> new OpenAi();
            case "dashscope" -> new DashScope();
            default -> throw new IllegalArgumentException("--wire must be openai or dashscope, was '" + name + "'");
        };
    }

    final class OpenAi implements KitWire {
        @Override
        public Scenario answer(String... pieces) {
            return OpenAiWire.answer(pieces);
        }

        @Override
        public Scenario paced(int count, long intervalMs) {
            return OpenAiWire.paced(count, intervalMs);
        }

        @Override
        public Scenario slowFirstToken(long millis, String... pieces) {
            return OpenAiWire.slowFirstToken(millis, pieces);
        }

        @Override
        public Scenario rateLimited(long retryAfterMs) {
            return OpenAiWire.rateLimited(retryAfterMs);
        }

        @Override
        public boolean sendsRetryHints() {
            return true;
        }

        @Override
        public Scenario quotaExhausted() {
            return OpenAiWire.quotaExhausted();
        }

        @Override
        public Scenario invalidKey() {
            return OpenAiWire.invalidKey();
        }

        @Override
        public Scenario serverError() {
            return OpenAiWire.serverError(503);
        }

        @Override
        public Scenario errorInStream(int piecesFirst) {
            return OpenAiWire.errorInStream(piecesFirst, "server_error", "server_error");
        }

        @Override
        public Scenario malformed() {
            return OpenAiWire.malformedJson();
        }

        @Override
        public Scenario stall(long millis, String... pieces) {
            return OpenAiWire.stall(millis, pieces);
        }

        @Override
        public Scenario dropAfter(String... pieces) {
            return OpenAiWire.dropAfter(pieces);
        }
    }

    final class DashScope implements KitWire {
        @Override
        public Scenario answer(String... pieces) {
            return DashScopeWire.answer(pieces);
        }

        @Override
        public Scenario paced(int count, long intervalMs) {
            return DashScopeWire.paced(count, intervalMs);
        }

        @Override
        public Scenario slowFirstToken(long millis, String... pieces) {
            return DashScopeWire.slowFirstToken(millis, pieces);
        }

        @Override
        public Scenario rateLimited(long retryAfterMs) {
            return DashScopeWire.httpError(429, "Throttling.RateQuota",
                    "Requests rate limit exceeded, please try again later.");
        }

        @Override
        public boolean sendsRetryHints() {
            return false;
        }

        @Override
        public Scenario quotaExhausted() {
            return DashScopeWire.httpError(400, "Arrearage",
                    "Access denied, please make sure your account is in good standing.");
        }

        @Override
        public Scenario invalidKey() {
            return DashScopeWire.invalidKey();
        }

        @Override
        public Scenario serverError() {
            return DashScopeWire.httpError(500, "InternalError", "An internal error has occurred, please try again.");
        }

        @Override
        public Scenario errorInStream(int piecesFirst) {
            return DashScopeWire.errorInStream(piecesFirst, 500, "InternalError", "The model failed mid-answer.");
        }

        @Override
        public Scenario malformed() {
            return exchange -> {
                exchange.startStream();
                exchange.send("id:1\nevent:result\n:HTTP_STATUS/200\ndata:{\"output\":{\"choices\":[{\"message\":\n\n");
            };
        }

        @Override
        public Scenario stall(long millis, String... pieces) {
            return DashScopeWire.stall(millis, pieces);
        }

        @Override
        public Scenario dropAfter(String... pieces) {
            return DashScopeWire.dropAfter(pieces);
        }
    }
}
