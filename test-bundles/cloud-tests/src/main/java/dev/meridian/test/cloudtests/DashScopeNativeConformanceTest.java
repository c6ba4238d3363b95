package dev.meridian.test.cloudtests;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.meridian.api.Availability;
import dev.meridian.api.ChatRequest;
import dev.meridian.api.ErrorKind;
import dev.meridian.api.GenerationOptions;
import dev.meridian.test.cloud.DashScopeWire;
import dev.meridian.test.cloud.Scenario;

/** The DashScope provider, native API, through the conformance suite, plus Qwen's particulars. */
class DashScopeNativeConformanceTest extends ProviderConformance {

    @Override
    String factoryPid() {
        return "meridian.provider.dashscope";
    }

    @Override
    String scope() {
        return "cn-mainland";
    }

    @Override
    String expectedPath() {
        return DashScopeWire.NATIVE_PATH;
    }

    @Override
    String regionInMessages() {
        return "cn-beijing";
    }

    @Override
    Map<String, Object> endpoint(String baseUrl) {
        return Map.of("baseUrl", baseUrl, "deploymentRegion", "cn-beijing", "mode", "native");
    }

    @Override
    Scenario answer(String... pieces) {
        return DashScopeWire.answer(pieces);
    }

    @Override
    Scenario rateLimited(long retryAfterMs) {
        return DashScopeWire.httpError(429, "Throttling.RateQuota",
                "Requests rate limit exceeded, please try again later.");
    }

    @Override
    boolean sendsRetryAfter() {
        return false;
    }

    @Override
    Scenario quotaExhausted() {
        return DashScopeWire.httpError(400, "Arrearage",
                "Access denied, please make sure your account is in good standing.");
    }

    @Override
    Scenario serverError() {
        return DashScopeWire.httpError(500, "InternalError", "An internal error has occured, please try again later.");
    }

    @Override
    Scenario invalidKey() {
        return DashScopeWire.invalidKey();
    }

    @Override
    Scenario slowFirstToken(long millis, String... pieces) {
        return DashScopeWire.slowFirstToken(millis, pieces);
    }

    @Override
    Scenario stall(long millis, String... pieces) {
        return DashScopeWire.stall(millis, pieces);
    }

    @Override
    Scenario dropAfter(String... pieces) {
        return DashScopeWire.dropAfter(pieces);
    }

    @Override
    Scenario noTerminator(String... pieces) {
        return DashScopeWire.noFinish(pieces);
    }

    @Override
    Scenario paced(int count, long intervalMs) {
        return DashScopeWire.paced(count, intervalMs);
    }

    @Override
    Scenario errorInStream(int pieces) {
        return DashScopeWire.errorInStream(pieces, 429, "Throttling.RateQuota", "Requests rate limit exceeded");
    }

    @Override
    ErrorKind errorInStreamKind() {
        return ErrorKind.RATE_LIMITED;
    }

    @Test
    void asksForIncrementalMessagesOverSse() throws Exception {
        run();
        assertThat(server.lastRequest().header("x-dashscope-sse")).isEqualTo("enable");
        assertThat(server.lastRequest().body()).contains("\"input\":{\"messages\":[")
                .contains("\"result_format\":\"message\"").contains("\"incremental_output\":true");
    }

    @Test
    void deliversReasoningAsReasoningDeltasAndPassesQwenOptions() throws Exception {
        server.then(DashScopeWire.answer(new String[] { "Let me ", "think." }, "Answer", "."));
        ConfiguredProvider.Result result = provider.run(ChatRequest.of("why?").withOptions(GenerationOptions.DEFAULTS
                .withTopK(20).withExtra(Map.of("enable_thinking", true, "thinking_budget", 128, "enable_search",
                        false, "unknown_option", "ignored"))));
        assertThat(result.reasoning()).isEqualTo("Let me think.");
        assertThat(result.text()).isEqualTo("Answer.");
        assertThat(result.completion().usage().reasoningTokens()).isEqualTo(2);
        assertThat(result.completion().usage().completionTokens()).isEqualTo(4);
        String body = server.lastRequest().body();
        assertThat(body).contains("\"enable_thinking\":true").contains("\"thinking_budget\":128")
                .contains("\"enable_search\":false").contains("\"top_k\":20").doesNotContain("unknown_option");
    }

    @Test
    void contentInspectionFailureIsContentFilteredAndNotRetriedElsewhere() throws Exception {
        server.then(DashScopeWire.httpError(400, "DataInspectionFailed",
                "Input data may contain inappropriate content."));
        ConfiguredProvider.Result result = run();
        assertError(result, ErrorKind.CONTENT_FILTERED);
        assertThat(result.completion().error().retrySafeElsewhere()).isFalse();
    }

    @Test
    void scopeThatContradictsTheDeploymentRegionIsRefused() throws Exception {
        try (ConfiguredProvider wrong = ConfiguredProvider.create(context, cm, factoryPid(), "ds-wrong", "global",
                Map.of("baseUrl", server.baseUrl(), "deploymentRegion", "cn-beijing"))) {
            Availability availability = wrong.provider.availability();
            assertThat(availability.state()).isEqualTo(Availability.State.FAILED);
            assertThat(availability.reason()).contains("contradicts deployment region cn-beijing");
        }
    }

    @Test
    void internationalRegionIsScopeIntl() throws Exception {
        try (ConfiguredProvider intl = ConfiguredProvider.create(context, cm, factoryPid(), "ds-intl", "intl",
                Map.of("baseUrl", server.baseUrl(), "deploymentRegion", "ap-southeast-1"))) {
            assertThat(intl.provider.availability().isAvailable()).isTrue();
            assertThat(intl.run(ChatRequest.of("hi")).completion().provenance().scope()).isEqualTo("intl");
        }
    }
}
