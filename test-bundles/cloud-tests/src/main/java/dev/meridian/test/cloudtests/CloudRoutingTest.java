package dev.meridian.test.cloudtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;

import dev.meridian.api.Availability;
import dev.meridian.api.ChatRequest;
import dev.meridian.api.ChatResponse;
import dev.meridian.api.FinishReason;
import dev.meridian.api.ModelException;
import dev.meridian.api.ModelProvider;
import dev.meridian.api.ProviderProperties;
import dev.meridian.api.StreamHandle;
import dev.meridian.api.StreamListener;
import dev.meridian.api.Usage;
import dev.meridian.api.provider.ProviderStream;
import dev.meridian.api.routing.Routing;
import dev.meridian.test.cloud.DashScopeWire;
import dev.meridian.test.cloud.FakeCloudServer;
import dev.meridian.test.cloud.OpenAiWire;
import dev.meridian.test.trust.DevelopmentTrust;

/**
 * The cloud providers with the router and the console: CN goes to DashScope and, on a retry-safe failure before
 * the first token, to the device, never to OpenAI; GLOBAL goes to OpenAI; keys never show anywhere.
 */
class CloudRoutingTest {
    @InjectBundleContext
    BundleContext context;
    @InjectService
    ConfigurationAdmin cm;
    @InjectService
    Routing routing;
    @InjectService(filter = ModelProvider.ROUTED_FILTER)
    ModelProvider routed;
    @InjectService(timeout = 5000)
    CommandProcessor processor;

    private FakeCloudServer dashscope;
    private FakeCloudServer openai;
    private ConfiguredProvider qwen;
    private ConfiguredProvider gpt;
    private final List<Configuration> policies = new ArrayList<>();
    private final AtomicInteger localCalls = new AtomicInteger();

    @BeforeEach
    void setUp() throws Exception {
        DevelopmentTrust.apply(context, cm, routing);
        dashscope = new FakeCloudServer(DashScopeWire.answer("你好", "，", "世界"));
        openai = new FakeCloudServer(OpenAiWire.answer("Hello", " world"));
        qwen = ConfiguredProvider.create(context, cm, "meridian.provider.dashscope", "ds-route", "cn-mainland",
                Map.of("baseUrl", dashscope.baseUrl(), "deploymentRegion", "cn-beijing"));
        gpt = ConfiguredProvider.create(context, cm, "meridian.provider.openai", "oa-route", "global",
                Map.of("baseUrl", openai.baseUrl()));
        registerLocal();
        policies.add(policy("CLOUDCN", new String[] { "cn-mainland", "device" }, new String[] { qwen.id, "dev" }));
        policies.add(policy("CLOUDGLOBAL", new String[] { "global", "device" }, new String[] { gpt.id, "dev" }));
        await(() -> routing.policies().containsKey("CLOUDCN") && routing.policies().containsKey("CLOUDGLOBAL"));
        // the router binds a provider after the registry shows it (its bundle's signature is checked first)
        await(() -> routing.providers().stream().map(p -> p.id()).toList().containsAll(List.of(qwen.id, gpt.id)));
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Configuration policy : policies) {
            policy.delete();
        }
        // deletions arrive asynchronously: the next test's wait for its policies must not be met by these
        await(() -> !routing.policies().containsKey("CLOUDCN") && !routing.policies().containsKey("CLOUDGLOBAL"));
        qwen.close();
        gpt.close();
        dashscope.close();
        openai.close();
    }

    private void registerLocal() {
        Dictionary<String, Object> properties = new Hashtable<>();
        properties.put(ProviderProperties.ID, "dev");
        properties.put(ProviderProperties.SCOPE, "device");
        context.registerService(ModelProvider.class, new ModelProvider() {
            @Override
            public Availability availability() {
                return Availability.AVAILABLE;
            }

            @Override
            public StreamHandle stream(ChatRequest request, StreamListener listener) {
                localCalls.incrementAndGet();
                ProviderStream stream = new ProviderStream(listener, "dev", "device", "on-device");
                stream.text("on device");
                stream.complete(FinishReason.STOP, new Usage(1, 2, 0));
                return stream;
            }
        }, properties);
    }

    private Configuration policy(String region, String[] scopes, String[] preference) throws Exception {
        Configuration configuration = cm.getFactoryConfiguration(Routing.POLICY_FACTORY_PID, region, "?");
        Dictionary<String, Object> properties = new Hashtable<>();
        properties.put("region", region);
        properties.put("scopes", scopes);
        properties.put("preference", preference);
        configuration.update(properties);
        return configuration;
    }

    private void activate(String region) throws Exception {
        routing.selectRegion(region);
        await(() -> routing.activeRegion().equals(region));
    }

    private static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out");
            }
            Thread.sleep(10);
        }
    }

    private String console(String command) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
        try (CommandSession session = processor.createSession(new ByteArrayInputStream(new byte[0]), print, print)) {
            Object result = session.execute(command);
            return out.toString(StandardCharsets.UTF_8) + (result == null ? "" : session.format(result,
                    Converter.INSPECT));
        } catch (Exception e) {
            return out.toString(StandardCharsets.UTF_8) + "\nERROR " + e.getMessage();
        }
    }

    @Test
    void cnGoesToDashScopeThenTheDeviceButNeverToOpenAi() throws Exception {
        activate("CLOUDCN");
        ChatResponse answer = routed.call(ChatRequest.of("你好"));
        assertThat(answer.text()).isEqualTo("你好，世界");
        assertThat(answer.provenance().providerId()).isEqualTo(qwen.id);
        assertThat(answer.provenance().scope()).isEqualTo("cn-mainland");
        assertThat(answer.provenance().region()).isEqualTo("CLOUDCN");

        dashscope.then(DashScopeWire.httpError(503, "ServiceUnavailable", "busy"),
                DashScopeWire.httpError(503, "ServiceUnavailable", "busy"),
                DashScopeWire.httpError(503, "ServiceUnavailable", "busy"));
        ChatResponse fallback = routed.call(ChatRequest.of("你好"));
        assertThat(fallback.text()).isEqualTo("on device");
        assertThat(fallback.provenance().providerId()).isEqualTo("dev");
        assertThat(fallback.provenance().attempts()).isEqualTo(4); // three tries at DashScope, then the device
        assertThat(localCalls).hasValue(1);
        assertThat(openai.requests()).isEmpty();
    }

    @Test
    void cnWithDashScopeUnconfiguredNeverLeavesTheRegion() throws Exception {
        activate("CLOUDCN");
        dashscope.then(DashScopeWire.invalidKey());
        ChatResponse response = routed.call(ChatRequest.of("hi"));
        assertThat(response.provenance().providerId()).isEqualTo("dev"); // key rejected before the first token
        // DashScope now reports its key rejected; the device serves; OpenAI is never asked
        assertThat(qwen.provider.availability().state()).isEqualTo(Availability.State.NOT_CONFIGURED);
        assertThat(routed.call(ChatRequest.of("hi")).provenance().providerId()).isEqualTo("dev");
        assertThat(openai.requests()).isEmpty();
    }

    @Test
    void globalGoesToOpenAi() throws Exception {
        activate("CLOUDGLOBAL");
        ChatResponse answer = routed.call(ChatRequest.of("hello"));
        assertThat(answer.text()).isEqualTo("Hello world");
        assertThat(answer.provenance().providerId()).isEqualTo(gpt.id);
        assertThat(answer.provenance().scope()).isEqualTo("global");
        assertThat(dashscope.requests()).isEmpty();
        assertThatThrownBy(() -> routed.call(ChatRequest.of("hi").withProvider(qwen.id)))
                .isInstanceOfSatisfying(ModelException.class,
                        e -> assertThat(e.reason()).isEqualTo(ModelException.REGION_BLOCKED));
    }

    @Test
    void consoleChatsWithEachProviderAndShowsAvailability() throws Exception {
        activate("CLOUDCN");
        assertThat(console("ai:chat -p " + qwen.id + " hi")).contains("你好，世界").contains("provider=" + qwen.id)
                .contains("scope=cn-mainland");
        activate("CLOUDGLOBAL");
        assertThat(console("ai:chat -p " + gpt.id + " -n 5 hi")).contains("Hello world")
                .contains("provider=" + gpt.id).contains("model=gpt-4o-mini-2024-07-18");
        assertThat(openai.lastRequest().body()).contains("\"max_tokens\":5");

        openai.then(OpenAiWire.quotaExhausted());
        assertThat(console("ai:chat -p " + gpt.id + " hi")).contains("quota-exhausted");
        String table = console("ai:providers");
        assertThat(table).contains(gpt.id).contains(qwen.id).contains("dev");
        assertThat(table).containsPattern(gpt.id + "\\s+global\\s+yes\\s+trusted \\(signer [0-9a-f]{16}\\)\\s+"
                + "quota-exhausted \\(quota or balance");
        assertThat(table).containsPattern(qwen.id + "\\s+cn-mainland\\s+no: scope cn-mainland not allowed in "
                + "CLOUDGLOBAL\\s+trusted \\(signer [0-9a-f]{16}\\)\\s+available");
    }

    @Test
    void keysNeverAppearInLogsConsoleErrorsOrServiceProperties() throws Exception {
        List<String> seen = new ArrayList<>();
        activate("CLOUDGLOBAL");
        openai.then(OpenAiWire.invalidKey());
        seen.add(console("ai:chat -p " + gpt.id + " hi"));
        dashscope.then(DashScopeWire.invalidKey(), DashScopeWire.errorInStream(0, 401, "InvalidApiKey",
                "Invalid API-key provided: " + ConfiguredProvider.KEY));
        activate("CLOUDCN");
        for (int i = 0; i < 2; i++) {
            try {
                routed.call(ChatRequest.of("hi").withProvider(qwen.id));
            } catch (ModelException e) {
                seen.add(e.toString());
                seen.add(String.valueOf(e.provenance()));
            }
        }
        seen.add(console("ai:providers"));
        seen.add(console("ai:stats"));
        seen.add(console("ai:policy"));
        for (ServiceReference<ModelProvider> reference : context.getServiceReferences(ModelProvider.class, null)) {
            for (String key : reference.getPropertyKeys()) {
                seen.add(key + "=" + java.util.Arrays.deepToString(new Object[] { reference.getProperty(key) }));
            }
        }
        String log = Files.readString(Path.of(context.getProperty("meridian.test.log")), StandardCharsets.UTF_8);
        assertThat(log).as("the test log is being written").contains("CloudStreamer");
        seen.add(log);
        assertThat(seen).allSatisfy(text -> assertThat(text).doesNotContain(ConfiguredProvider.KEY));
        assertThat(String.join("\n", seen)).contains("authentication").contains("****");
    }
}
