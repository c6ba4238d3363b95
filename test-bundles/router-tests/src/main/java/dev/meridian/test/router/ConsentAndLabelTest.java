package dev.meridian.test.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;

import org.apache.felix.service.command.CommandProcessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;

import dev.meridian.api.ChatRequest;
import dev.meridian.api.ChatResponse;
import dev.meridian.api.Consent;
import dev.meridian.api.ModelException;
import dev.meridian.api.ModelProvider;
import dev.meridian.api.routing.Routing;
import dev.meridian.test.trust.DevelopmentTrust;

/**
 * Consent before data leaves the device (grant, revoke, kept across a restart of the router, named in provenance,
 * the device answering without it) and the region's AI-content label on every answer, through the API and the
 * console.
 */
class ConsentAndLabelTest {
    private static final String LABEL = "本内容由人工智能生成";

    @InjectBundleContext
    BundleContext context;
    @InjectService
    ConfigurationAdmin cm;
    @InjectService
    Routing routing;
    @InjectService(timeout = 5000)
    CommandProcessor processor;

    private final List<Configuration> configurations = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        DevelopmentTrust.apply(context, cm, routing);
        configurations.add(policy("CONSENTGL", new String[] { "global", "device" }, new String[] { "cl-gpt",
                "cl-local" }, new String[] { "global" }, null));
        configurations.add(policy("LABELCN", new String[] { "cn-mainland", "device" }, new String[] { "cl-qwen" },
                new String[0], LABEL));
        Policies.await(() -> routing.policies().containsKey("CONSENTGL") && routing.policies().containsKey("LABELCN"),
                "the consent and label policies are active");
        routing.revokeConsent("global");
        ScriptedProvider.answering("cl-gpt", "global", "cloud").register(context);
        ScriptedProvider.answering("cl-local", "device", "device").register(context);
        ScriptedProvider.answering("cl-qwen", "cn-mainland", "你好").register(context);
    }

    @AfterEach
    void tearDown() throws Exception {
        // looked up again: a test may have restarted the router
        context.getService(context.getServiceReference(Routing.class)).revokeConsent("global");
        for (Configuration configuration : configurations) {
            configuration.delete();
        }
    }

    private Configuration policy(String region, String[] scopes, String[] preference, String[] consent,
            String label) throws Exception {
        Configuration configuration = cm.getFactoryConfiguration(Routing.POLICY_FACTORY_PID, region, "?");
        Dictionary<String, Object> properties = new Hashtable<>();
        properties.put("region", region);
        properties.put("scopes", scopes);
        properties.put("preference", preference);
        properties.put("consentRequired", consent);
        if (label != null) {
            properties.put("label", label);
        }
        configuration.update(properties);
        return configuration;
    }

    private ChatResponse ask() throws Exception {
        ModelProvider routed = context.getService(context.getServiceReferences(ModelProvider.class,
                ModelProvider.ROUTED_FILTER).iterator().next());
        return routed.call(ChatRequest.of("hi"));
    }

    @Test
    void withoutConsentTheDeviceAnswersWithItTheCloudDoesAndProvenanceNamesIt() throws Exception {
        routing.selectRegion("CONSENTGL");
        ChatResponse device = ask();
        assertThat(device.provenance().providerId()).isEqualTo("cl-local");
        assertThat(device.provenance().consent()).isNull();
        assertThat(routing.providers()).anySatisfy(p -> {
            assertThat(p.id()).isEqualTo("cl-gpt");
            assertThat(p.refusal()).isEqualTo(ModelException.CONSENT_REQUIRED);
        });

        assertThat(Console.run(processor, "ai:consent grant global")).contains("Consent for scope global granted at");
        Consent consent = routing.consents().get("global");
        ChatResponse cloud = ask();
        assertThat(cloud.provenance().providerId()).isEqualTo("cl-gpt");
        assertThat(cloud.provenance().consent()).isEqualTo(consent);
        assertThat(Console.run(processor, "ai:chat hello")).contains("consent=global@" + consent.grantedAt());

        assertThat(Console.run(processor, "ai:consent revoke global")).contains("revoked");
        assertThat(ask().provenance().providerId()).isEqualTo("cl-local");
        assertThat(Console.run(processor, "ai:consent show global")).contains("No consent for scope global");
    }

    @Test
    void consentSurvivesARestartOfTheRouterWithItsTime() throws Exception {
        Consent granted = routing.grantConsent("global");
        Bundle router = FrameworkUtil.getBundle(routing.getClass());
        router.stop();
        router.start();
        Routing restarted = context.getService(context.getServiceReference(Routing.class));
        Policies.await(() -> granted.equals(restarted.consents().get("global")), "the consent is read back");
        Policies.await(() -> restarted.policies().containsKey("CONSENTGL"), "the policies are back");
        restarted.selectRegion("CONSENTGL");
        Policies.await(() -> restarted.providers().stream().anyMatch(p -> p.id().equals("cl-gpt") && p.allowed()),
                "the cloud provider is allowed again");
        ChatResponse cloud = ask();
        assertThat(cloud.provenance().providerId()).isEqualTo("cl-gpt");
        assertThat(cloud.provenance().consent()).isEqualTo(granted);
        restarted.revokeConsent("global");
    }

    @Test
    void aRegionsExplicitLabelComesWithEveryAnswerThroughTheApiAndTheConsole() throws Exception {
        routing.selectRegion("LABELCN");
        for (int i = 0; i < 5; i++) {
            ChatResponse response = ask();
            assertThat(response.label().explicitText()).isEqualTo(LABEL);
            assertThat(response.label().aiGenerated()).isTrue();
            assertThat(response.label().providerId()).isEqualTo("cl-qwen");
            assertThat(response.label().region()).isEqualTo("LABELCN");
        }
        String console = Console.run(processor, "ai:chat hello");
        assertThat(console).contains("你好").contains(LABEL).contains("content-id=");

        routing.selectRegion("CONSENTGL"); // no label text there, but still the implicit label
        ChatResponse unlabelled = ask();
        assertThat(unlabelled.label().explicitText()).isNull();
        assertThat(unlabelled.label().contentId()).isNotBlank();
        assertThat(Console.run(processor, "ai:chat hello")).doesNotContain(LABEL);
    }

    @Test
    void consoleRefusesWrongConsentArguments() {
        assertThatThrownBy(() -> Console.run(processor, "ai:consent allow global"))
                .hasMessageContaining("grant, revoke or show");
        assertThatThrownBy(() -> Console.run(processor, "ai:consent grant 'Not A Scope'"))
                .hasMessageContaining("residency scope");
    }
}
