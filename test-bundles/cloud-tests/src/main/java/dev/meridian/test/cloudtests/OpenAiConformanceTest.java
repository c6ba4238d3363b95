package dev.meridian.test.cloudtests;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.meridian.api.ErrorKind;
import dev.meridian.api.FinishReason;
import dev.meridian.test.cloud.OpenAiWire;
import dev.meridian.test.cloud.Scenario;

/** The OpenAI provider through the conformance suite, plus what is particular to Chat Completions. */
class OpenAiConformanceTest extends ProviderConformance {

    @Override
    String factoryPid() {
        return "meridian.provider.openai";
    }

    @Override
    String scope() {
        return "global";
    }

    @Override
    String expectedPath() {
        return OpenAiWire.PATH;
    }

    @Override
    String regionInMessages() {
        return "global";
    }

    @Override
    Map<String, Object> endpoint(String baseUrl) {
        return Map.of("baseUrl", baseUrl, "project", "proj_fake");
    }

    @Override
    Scenario answer(String... pieces) {
        return OpenAiWire.answer(pieces);
    }

    @Override
    Scenario rateLimited(long retryAfterMs) {
        return OpenAiWire.rateLimited(retryAfterMs);
    }

    @Override
    boolean sendsRetryAfter() {
        return true;
    }

    @Override
    Scenario quotaExhausted() {
        return OpenAiWire.quotaExhausted();
    }

    @Override
    Scenario serverError() {
        return OpenAiWire.serverError(503);
    }

    @Override
    Scenario invalidKey() {
        return OpenAiWire.invalidKey();
    }

    @Override
    Scenario slowFirstToken(long millis, String... pieces) {
        return OpenAiWire.slowFirstToken(millis, pieces);
    }

    @Override
    Scenario stall(long millis, String... pieces) {
        return OpenAiWire.stall(millis, pieces);
    }

    @Override
    Scenario dropAfter(String... pieces) {
        return OpenAiWire.dropAfter(pieces);
    }

    @Override
    Scenario noTerminator(String... pieces) {
        return OpenAiWire.noTerminator(pieces);
    }

    @Override
    Scenario paced(int count, long intervalMs) {
        return OpenAiWire.paced(count, intervalMs);
    }

    @Override
    Scenario errorInStream(int pieces) {
        return OpenAiWire.errorInStream(pieces, "server_error", "server_error");
    }

    @Override
    ErrorKind errorInStreamKind() {
        return ErrorKind.UNAVAILABLE;
    }

    @Test
    void asksForUsageInTheStreamAndSendsTheProjectHeader() throws Exception {
        run();
        String body = server.lastRequest().body();
        assertThat(body).contains("\"stream\":true").contains("\"stream_options\":{\"include_usage\":true}");
        assertThat(server.lastRequest().header("openai-project")).isEqualTo("proj_fake");
        assertThat(server.lastRequest().header("accept")).isEqualTo("text/event-stream");
    }

    @Test
    void reportsTheModelTheServerNamedAndALengthFinish() throws Exception {
        server.then(OpenAiWire.answerFinishing("length", "cut"));
        ConfiguredProvider.Result result = run();
        assertThat(result.completion().finishReason()).isEqualTo(FinishReason.LENGTH);
        assertThat(result.completion().provenance().model()).isEqualTo("gpt-4o-mini-2024-07-18");
    }
}
