package dev.meridian.test.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;

import dev.meridian.api.ChatRequest;
import dev.meridian.api.ChatResponse;
import dev.meridian.api.Completion;
import dev.meridian.api.ErrorKind;
import dev.meridian.api.FinishReason;
import dev.meridian.api.ModelException;
import dev.meridian.api.ModelProvider;
import dev.meridian.api.StreamHandle;
import dev.meridian.api.StreamListener;
import dev.meridian.api.routing.RegionPolicy;
import dev.meridian.api.routing.Routing;
import dev.meridian.test.trust.DevelopmentTrust;

/** Regional selection in a real framework: region switch, fail closed, fallback ladder, bad configuration. */
class RegionRoutingTest {
    @InjectBundleContext
    BundleContext context;
    @InjectService
    ConfigurationAdmin cm;
    @InjectService
    Routing routing;
    @InjectService(filter = ModelProvider.ROUTED_FILTER)
    ModelProvider routed;

    private final List<Configuration> configurations = new ArrayList<>();

    @BeforeEach
    void policies() throws Exception {
        DevelopmentTrust.apply(context, cm, routing);
        configurations.add(Policies.policy(cm, "RTCN", new String[] { "cn-mainland", "device" },
                new String[] { "rt-qwen", "rt-local" }));
        configurations.add(Policies.policy(cm, "RTGLOBAL", new String[] { "global", "device" },
                new String[] { "rt-gpt", "rt-local" }));
        Policies.await(() -> routing.policies().containsKey("RTCN") && routing.policies().containsKey("RTGLOBAL"),
                "both test policies are active");
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (Configuration configuration : configurations) {
            configuration.delete();
        }
        // Configuration Admin delivers deletions asynchronously: wait, so that the next test's wait for its
        // policies cannot be met by these before they go
        Policies.await(() -> !routing.policies().containsKey("RTCN") && !routing.policies().containsKey("RTGLOBAL"),
                "the test policies are gone");
    }

    private void activate(String region) throws Exception {
        Policies.region(cm, region);
        Policies.await(() -> routing.activeRegion().equals(region), "region " + region + " is active");
    }

    @Test
    void regionSwitchThroughConfigurationAdminTakesEffectForTheNextRequest() throws Exception {
        ScriptedProvider.answering("rt-qwen", "cn-mainland", "你好").register(context);
        ScriptedProvider.answering("rt-gpt", "global", "hello").register(context);

        activate("RTGLOBAL");
        ChatResponse global = routed.call(ChatRequest.of("hi"));
        assertThat(global.provenance().providerId()).isEqualTo("rt-gpt");
        assertThat(global.provenance().region()).isEqualTo("RTGLOBAL");
        assertThat(global.provenance().scope()).isEqualTo("global");
        assertThat(global.text()).isEqualTo("hello");

        activate("RTCN");
        ChatResponse cn = routed.call(ChatRequest.of("hi"));
        assertThat(cn.provenance().providerId()).isEqualTo("rt-qwen");
        assertThat(cn.provenance().region()).isEqualTo("RTCN");
        assertThat(cn.provenance().scope()).isEqualTo("cn-mainland");
    }

    @Test
    void failsClosedAndNeverCrossesTheResidencyBoundary() throws Exception {
        ScriptedProvider gpt = ScriptedProvider.answering("rt-gpt", "global", "hello");
        gpt.register(context);
        activate("RTCN");

        assertThatThrownBy(() -> routed.call(ChatRequest.of("hi"))).isInstanceOfSatisfying(ModelException.class,
                e -> {
                    assertThat(e.kind()).isEqualTo(ErrorKind.UNAVAILABLE);
                    assertThat(e.reason()).isEqualTo(ModelException.REGION_BLOCKED);
                    assertThat(e.getMessage()).contains("rt-gpt: scope global not allowed");
                    assertThat(e.provenance()).hasValueSatisfying(p -> {
                        assertThat(p.region()).isEqualTo("RTCN");
                        assertThat(p.providerId()).isNull();
                    });
                });
        // pinning the request to the foreign provider does not get around the policy either
        assertThatThrownBy(() -> routed.call(ChatRequest.of("hi").withProvider("rt-gpt")))
                .isInstanceOfSatisfying(ModelException.class,
                        e -> assertThat(e.reason()).isEqualTo(ModelException.REGION_BLOCKED));
        assertThat(gpt.calls).hasValue(0);
    }

    @Test
    void unavailableProvidersAreNotEligible() throws Exception {
        ScriptedProvider qwen = ScriptedProvider.answering("rt-qwen", "cn-mainland", "cloud");
        qwen.availability = dev.meridian.api.Availability.of(dev.meridian.api.Availability.State.NOT_CONFIGURED,
                "no API key");
        qwen.register(context);
        ScriptedProvider.answering("rt-local", "device", "local").register(context);
        activate("RTCN");

        ChatResponse response = routed.call(ChatRequest.of("hi"));
        assertThat(response.provenance().providerId()).isEqualTo("rt-local");
        assertThat(qwen.calls).hasValue(0);
    }

    @Test
    void fallsBackBeforeTheFirstTokenOnARetrySafeError() throws Exception {
        ScriptedProvider qwen = ScriptedProvider.failing("rt-qwen", "cn-mainland", ErrorKind.RATE_LIMITED, 0);
        qwen.register(context);
        ScriptedProvider local = ScriptedProvider.answering("rt-local", "device", "on ", "device");
        local.register(context);
        ScriptedProvider gpt = ScriptedProvider.answering("rt-gpt", "global", "never");
        gpt.register(context);
        activate("RTCN");

        ChatResponse response = routed.call(ChatRequest.of("hi"));
        assertThat(response.text()).isEqualTo("on device");
        assertThat(response.provenance().providerId()).isEqualTo("rt-local");
        assertThat(response.provenance().attempts()).isEqualTo(2);
        assertThat(qwen.calls).hasValue(1);
        assertThat(gpt.calls).hasValue(0);
    }

    @Test
    void doesNotFallBackOnAnErrorThatIsNotSafeToRetryElsewhere() throws Exception {
        ScriptedProvider.failing("rt-qwen", "cn-mainland", ErrorKind.CONTENT_FILTERED, 0).register(context);
        ScriptedProvider local = ScriptedProvider.answering("rt-local", "device", "x");
        local.register(context);
        activate("RTCN");

        assertThatThrownBy(() -> routed.call(ChatRequest.of("hi"))).isInstanceOfSatisfying(ModelException.class,
                e -> {
                    assertThat(e.kind()).isEqualTo(ErrorKind.CONTENT_FILTERED);
                    assertThat(e.provenance().orElseThrow().providerId()).isEqualTo("rt-qwen");
                });
        assertThat(local.calls).hasValue(0);
    }

    @Test
    void noSilentSwitchAfterTheFirstToken() throws Exception {
        ScriptedProvider.failing("rt-qwen", "cn-mainland", ErrorKind.UNAVAILABLE, 2, "half ", "an ", "answer")
                .register(context);
        ScriptedProvider local = ScriptedProvider.answering("rt-local", "device", "other");
        local.register(context);
        activate("RTCN");

        StringBuilder text = new StringBuilder();
        Completion end = streamToEnd(ChatRequest.of("hi"), text);
        assertThat(text).hasToString("half an ");
        assertThat(end.finishReason()).isEqualTo(FinishReason.ERROR);
        assertThat(end.error().kind()).isEqualTo(ErrorKind.UNAVAILABLE);
        assertThat(end.provenance().providerId()).isEqualTo("rt-qwen");
        assertThat(end.provenance().region()).isEqualTo("RTCN");
        assertThat(local.calls).hasValue(0);
    }

    @Test
    void cancelHandleArrivesBeforeTheFirstTokenAndStopsTheStream() throws Exception {
        ScriptedProvider.paced("rt-local", "device", 1000, 5).register(context);
        activate("RTCN");

        StringBuilder text = new StringBuilder();
        java.util.concurrent.CompletableFuture<Completion> done = new java.util.concurrent.CompletableFuture<>();
        StreamHandle handle = routed.stream(ChatRequest.of("hi"), listener(text, done));
        handle.cancel();
        Completion end = done.get(5, TimeUnit.SECONDS);
        assertThat(end.finishReason()).isEqualTo(FinishReason.CANCELLED);
        assertThat(handle.completion().toCompletableFuture().get(1, TimeUnit.SECONDS)).isSameAs(end);
        assertThat(text.length()).isLessThan(20);
    }

    @Test
    void malformedPolicyUpdateKeepsTheLastGoodPolicy() throws Exception {
        RegionPolicy before = routing.policies().get("RTCN");
        Policies.policy(cm, "RTCN", new String[] { "NOT A SCOPE!" }, new String[] {});
        Thread.sleep(300); // give Configuration Admin time to deliver the refused update
        assertThat(routing.policies().get("RTCN")).isEqualTo(before);

        Policies.policy(cm, "RTCN", new String[0], new String[0]);
        Thread.sleep(300);
        assertThat(routing.policies().get("RTCN")).isEqualTo(before);
    }

    @Test
    void malformedRegionBlocksEverythingAndUnknownRegionFailsClosed() throws Exception {
        ScriptedProvider local = ScriptedProvider.answering("rt-local", "device", "x");
        local.register(context);
        activate("RTCN");

        // a damaged stored region does not keep or fall back to any region's rules: it blocks until corrected
        Policies.region(cm, new String[] { "RTCN" });
        Policies.await(() -> routing.regionSetting().isInvalid(), "the malformed region is in force");
        assertThat(routing.regionSetting().problem()).contains("meridian.region").contains("[RTCN] (array)");
        assertThatThrownBy(() -> routed.call(ChatRequest.of("hi"))).isInstanceOfSatisfying(ModelException.class,
                e -> assertThat(e.getMessage()).contains("cannot be read"));
        assertThat(local.calls).hasValue(0);
        assertThat(routing.providers()).allSatisfy(p -> assertThat(p.allowed()).isFalse());
        routing.selectRegion("RTCN"); // a valid region set at the console lifts the block
        assertThat(routed.call(ChatRequest.of("hi")).provenance().providerId()).isEqualTo("rt-local");

        activate("MARS");
        assertThat(routing.activePolicy()).isEmpty();
        assertThatThrownBy(() -> routed.call(ChatRequest.of("hi"))).isInstanceOfSatisfying(ModelException.class,
                e -> assertThat(e.getMessage()).contains("no policy names region MARS"));
        assertThatThrownBy(() -> routing.selectRegion("VENUS")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no policy for region VENUS");
    }

    @Test
    void policyNamingProvidersThatDoNotExistStillRoutesToThoseThatDo() throws Exception {
        configurations.add(Policies.policy(cm, "RTGHOST", "device", "ghost-1,ghost-2,rt-local"));
        Policies.await(() -> routing.policies().containsKey("RTGHOST"), "policy from a .cfg-style list");
        assertThat(routing.policies().get("RTGHOST").preference()).containsExactly("ghost-1", "ghost-2",
                "rt-local");
        ScriptedProvider.answering("rt-local", "device", "x").register(context);
        activate("RTGHOST");
        assertThat(routed.call(ChatRequest.of("hi")).provenance().providerId()).isEqualTo("rt-local");
    }

    private Completion streamToEnd(ChatRequest request, StringBuilder text) throws Exception {
        java.util.concurrent.CompletableFuture<Completion> done = new java.util.concurrent.CompletableFuture<>();
        routed.stream(request, listener(text, done));
        return done.get(10, TimeUnit.SECONDS);
    }

    private static StreamListener listener(StringBuilder text,
            java.util.concurrent.CompletableFuture<Completion> done) {
        return new StreamListener() {
            @Override
            public void onText(String delta) {
                text.append(delta);
            }

            @Override
            public void onComplete(Completion completion) {
                done.complete(completion);
            }
        };
    }
}
