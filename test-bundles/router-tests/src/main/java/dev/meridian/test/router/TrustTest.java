package dev.meridian.test.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;

import dev.meridian.api.ChatRequest;
import dev.meridian.api.ModelException;
import dev.meridian.api.ModelProvider;
import dev.meridian.api.routing.ProviderStatus;
import dev.meridian.api.routing.Routing;
import dev.meridian.test.trust.DevelopmentTrust;

/**
 * Only bundles signed for their scope serve, on real bundles: the build-signed test provider, copies of it stripped
 * of its signature or changed after signing, and a signer trusted for another scope, each claiming
 * {@code cn-mainland} under a CN-like region.
 */
class TrustTest {
    private static final String PACED = "paced";

    @InjectBundleContext
    BundleContext context;
    @InjectService
    ConfigurationAdmin cm;
    @InjectService
    Routing routing;
    @InjectService(filter = ModelProvider.ROUTED_FILTER)
    ModelProvider routed;

    private final List<Configuration> configurations = new ArrayList<>();
    private Bundle installed;

    @BeforeEach
    void setUp() throws Exception {
        DevelopmentTrust.apply(context, cm, routing);
        configurations.add(Policies.policy(cm, "TRUSTCN", new String[] { "cn-mainland" }, new String[] { PACED }));
        Policies.await(() -> routing.policies().containsKey("TRUSTCN"), "the TRUSTCN policy is active");
        Policies.region(cm, "TRUSTCN");
        Policies.await(() -> routing.activeRegion().equals("TRUSTCN"), "region TRUSTCN is active");
        // the test provider claims cn-mainland, as a rogue jar in deploy/ would
        Configuration paced = cm.getConfiguration("meridian.test.paced", "?");
        Dictionary<String, Object> properties = new Hashtable<>();
        properties.put("meridian.provider.scope", "cn-mainland");
        properties.put("tokens", 3);
        paced.update(properties);
        configurations.add(paced);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (installed != null) {
            installed.uninstall();
        }
        for (Configuration configuration : configurations) {
            configuration.delete();
        }
        DevelopmentTrust.apply(context, cm, routing);
    }

    private ProviderStatus install(String name, UnaryOperator<Map<String, byte[]>> change) throws Exception {
        Map<String, byte[]> entries = entries();
        byte[] jar = jar(change.apply(entries));
        installed = context.installBundle("meridian-test:" + name, new ByteArrayInputStream(jar));
        installed.start();
        Policies.await(() -> status() != null && status().scope().equals("cn-mainland"),
                "the " + name + " provider is registered as cn-mainland");
        return status();
    }

    private ProviderStatus status() {
        return routing.providers().stream().filter(p -> p.id().equals(PACED)).findFirst().orElse(null);
    }

    private void assertNeverServes(ProviderStatus status, String why) {
        assertThat(status.allowed()).isFalse();
        assertThat(status.trust()).startsWith("untrusted (").contains(why);
        long before = requestsToPaced();
        assertThatThrownBy(() -> routed.call(ChatRequest.of("hi"))).isInstanceOfSatisfying(ModelException.class,
                e -> assertThat(e.reason()).isEqualTo(ModelException.REGION_BLOCKED));
        assertThatThrownBy(() -> routed.call(ChatRequest.of("hi").withProvider(PACED)))
                .isInstanceOf(ModelException.class);
        assertThat(requestsToPaced()).as("requests sent to the untrusted provider").isEqualTo(before);
    }

    private long requestsToPaced() {
        var stats = routing.stats().get(PACED); // counters are kept per id across tests
        return stats == null ? 0 : stats.requests();
    }

    @Test
    void theBuildSignedProviderServes() throws Exception {
        ProviderStatus status = install("signed", entries -> entries);
        assertThat(status.trust()).startsWith("trusted (signer ");
        assertThat(routed.call(ChatRequest.of("hi")).provenance().providerId()).isEqualTo(PACED);
    }

    @Test
    void anUnsignedProviderClaimingCnMainlandNeverServes() throws Exception {
        ProviderStatus status = install("unsigned", entries -> {
            entries.keySet().removeIf(name -> name.matches("META-INF/[^/]+\\.(SF|EC|RSA|DSA)"));
            return entries;
        });
        assertNeverServes(status, "bundle is not signed");
    }

    @Test
    void aProviderChangedAfterSigningNeverServes() throws Exception {
        ProviderStatus status = install("tampered", entries -> {
            String victim = entries.keySet().stream().filter(name -> name.endsWith("pom.properties")).findFirst()
                    .orElseThrow();
            entries.put(victim, (new String(entries.get(victim)) + "tampered=true\n").getBytes());
            return entries;
        });
        assertNeverServes(status, "pom.properties");
    }

    @Test
    void aSignerTrustedOnlyForGlobalCannotShipACnMainlandProvider() throws Exception {
        Dictionary<String, Object> globalOnly = new Hashtable<>();
        globalOnly.put("signers.global", new String[] { DevelopmentTrust.signer(context) });
        DevelopmentTrust.write(cm, globalOnly);
        Policies.await(() -> !routing.trust().signers().containsKey("cn-mainland"), "the global-only trust is in force");
        ProviderStatus status = install("global-signer", entries -> entries);
        assertNeverServes(status, "is not allowed for scope cn-mainland");
    }

    @Test
    void anUnreadableTrustConfigurationTrustsNothing() throws Exception {
        Dictionary<String, Object> misspelt = new Hashtable<>();
        misspelt.put("signer.cn-mainland", new String[] { DevelopmentTrust.signer(context) });
        DevelopmentTrust.write(cm, misspelt);
        Policies.await(() -> routing.trust().problem() != null, "the misspelt trust configuration is refused");
        assertThat(routing.trust().problem()).contains("signer.cn-mainland");
        ProviderStatus status = install("signed-but-no-trust", entries -> entries);
        assertNeverServes(status, "signer.cn-mainland");
    }

    private Map<String, byte[]> entries() throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (InputStream in = getClass().getResourceAsStream("/bundles/test-provider.jar");
                ZipInputStream zip = new ZipInputStream(in)) {
            for (ZipEntry entry; (entry = zip.getNextEntry()) != null;) {
                if (!entry.isDirectory()) {
                    entries.put(entry.getName(), zip.readAllBytes());
                }
            }
        }
        return entries;
    }

    private static byte[] jar(Map<String, byte[]> entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
                zip.putNextEntry(new ZipEntry(entry.getKey()));
                zip.write(entry.getValue());
                zip.closeEntry();
            }
        }
        return bytes.toByteArray();
    }
}
