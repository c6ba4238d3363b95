package dev.meridian.test.cloudtests;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;

import dev.meridian.api.ChatRequest;
import dev.meridian.api.ErrorKind;
import dev.meridian.api.GenerationOptions;
import dev.meridian.test.cloud.DashScopeWire;
import dev.meridian.test.cloud.FakeCloudServer;
import dev.meridian.test.cloud.OpenAiWire;

/** DashScope's OpenAI-compatible mode: the compatible path, Qwen switches as top-level fields, reasoning deltas. */
class DashScopeCompatibleModeTest {
    @InjectBundleContext
    BundleContext context;
    @InjectService
    ConfigurationAdmin cm;

    private FakeCloudServer server;
    private ConfiguredProvider provider;

    @BeforeEach
    void start() throws Exception {
        server = new FakeCloudServer(DashScopeWire.compatibleAnswer(new String[] { "Hmm." }, "Hi", "!"));
        provider = ConfiguredProvider.create(context, cm, "meridian.provider.dashscope", "dscompat", "cn-mainland",
                Map.of("baseUrl", server.baseUrl(), "deploymentRegion", "cn-beijing", "mode", "compatible"));
    }

    @AfterEach
    void stop() throws Exception {
        provider.close();
        server.close();
    }

    @Test
    void streamsReasoningAndTextFromTheCompatiblePath() throws Exception {
        ConfiguredProvider.Result result = provider.run(ChatRequest.of("hi").withOptions(GenerationOptions.DEFAULTS
                .withExtra(Map.of("enable_thinking", true))));
        assertThat(result.completion().error()).isNull();
        assertThat(result.reasoning()).isEqualTo("Hmm.");
        assertThat(result.text()).isEqualTo("Hi!");
        assertThat(result.completion().usage().reasoningTokens()).isEqualTo(1);
        assertThat(server.lastRequest().path()).isEqualTo(DashScopeWire.COMPATIBLE_PATH);
        assertThat(server.lastRequest().body()).contains("\"enable_thinking\":true")
                .contains("\"include_usage\":true");
    }

    @Test
    void errorsUseTheOpenAiShape() throws Exception {
        server.then(OpenAiWire.invalidKey());
        ConfiguredProvider.Result result = provider.run(ChatRequest.of("hi"));
        assertThat(result.completion().error().kind()).isEqualTo(ErrorKind.AUTHENTICATION);
        assertThat(result.completion().error().getMessage()).contains("cn-beijing")
                .doesNotContain(ConfiguredProvider.KEY);
    }
}
