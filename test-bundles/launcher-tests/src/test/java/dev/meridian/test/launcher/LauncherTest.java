package dev.meridian.test.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host as an integrator gets it: a copy of {@code runtime/} (launcher, exported jar, conf/, an empty deploy/)
 * started through {@code bin/meridian -c}, checked on output and exit status.
 */
class LauncherTest {
    @TempDir
    static Path home;

    record Run(int status, String out, String err) {
    }

    @BeforeAll
    static void copyRuntime() throws IOException {
        ShippedRuntime.copyTo(home);
        // each one-command host also starts the gateway: on a free port, not on a host the developer runs
        gatewayPort = ShippedRuntime.freePort();
        Files.writeString(home.resolve("conf/meridian.gateway.config"), "port=I\"" + gatewayPort + "\"\n");
    }

    static int gatewayPort;

    private static Run meridian(String... args) throws Exception {
        return meridianWithState(home.resolve("state"), args);
    }

    private static Run meridianWithState(Path state, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(home.resolve("bin/meridian").toString(), "--state",
                state.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        // as a device would be configured: the signer named explicitly
        builder.environment().put("MERIDIAN_DEV_SIGNER", Files.readString(Path.of(System.getProperty("user.home"),
                ".meridian/dev-signing/fingerprint")).strip());
        Process process = builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File(
                "/dev/null"))).start();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "host did not stop: " + command);
        return new Run(process.exitValue(), new String(process.getInputStream().readAllBytes(),
                StandardCharsets.UTF_8), new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    @Test
    void oneCommandPrintsItsResultAndExitsZero() throws Exception {
        Run region = meridian("-c", "ai:region");
        assertEquals(0, region.status(), region.err());
        assertTrue(region.out().contains("Active region: GLOBAL"), region.out());
        assertTrue(region.out().contains("Source: default"), region.out());
        assertTrue(region.out().contains("Known regions: "), region.out());
        Run providers = meridian("-c", "ai:providers");
        assertEquals(0, providers.status(), providers.err());
        assertTrue(providers.out().contains("ID") && providers.out().contains("AVAILABILITY"), providers.out());
        // the shipped providers are signed by the build and trusted by the development runtime
        assertTrue(providers.out().matches("(?s).*openai\\s+global\\s+yes\\s+trusted \\(signer [0-9a-f]{16}\\)"
                + "\\s+not-configured.*"), providers.out());
        assertTrue(providers.out().matches("(?s).*dashscope-cn\\s+cn-mainland\\s+no: scope cn-mainland not allowed in "
                + "GLOBAL\\s+trusted \\(signer [0-9a-f]{16}\\)\\s+not-configured.*"), providers.out());
        assertTrue(providers.out().contains("Region GLOBAL (from default)"), providers.out());
    }

    @Test
    void failedCommandsExitNonZeroWithTheReason() throws Exception {
        Run unknown = meridian("-c", "ai:region ATLANTIS");
        assertEquals(1, unknown.status());
        assertTrue(unknown.err().contains("no policy for region ATLANTIS"), unknown.err());
        Run nonsense = meridian("-c", "ai:nonsense");
        assertEquals(1, nonsense.status());
        assertTrue(nonsense.err().contains("Command not found"), nonsense.err());
        Run blocked = meridian("-c", "ai:chat -p dashscope-cn hello"); // a provider outside the region
        assertEquals(1, blocked.status());
        assertTrue(blocked.err().contains("region-blocked"), blocked.err());
        Run badHeap = meridian("--heap", "lots", "-c", "ai:region");
        assertEquals(2, badHeap.status());
        assertTrue(badHeap.err().contains("--heap must be a size like 512m"), badHeap.err());
        Run badArgument = meridian("--bogus");
        assertEquals(2, badArgument.status());
        assertTrue(badArgument.err().contains("unknown argument '--bogus'"), badArgument.err());
    }

    @Test
    void aBundleDroppedInTheDeployFolderServes() throws Exception {
        Path jar = Path.of(System.getProperty("meridian.root", "../..")).resolve(
                "test-bundles/test-provider/target/test-provider-0.1.0-SNAPSHOT.jar");
        Path deployed = home.resolve("deploy/test-provider.jar");
        Files.copy(jar, deployed, StandardCopyOption.REPLACE_EXISTING);
        try {
            Run providers = meridian("-c", "ai:providers");
            assertTrue(providers.out().matches("(?s).*paced\\s+device\\s+yes\\s+trusted \\(signer [0-9a-f]{16}\\)"
                    + "\\s+available.*"), providers.out());
            Run chat = meridian("-c", "ai:chat -p paced hello");
            assertEquals(0, chat.status(), chat.err());
            assertTrue(chat.out().contains(":19 ") && chat.out().contains("provider=paced"), chat.out());
        } finally {
            Files.delete(deployed);
        }
    }

    @Test
    void consentIsKeptAcrossRestartsWithItsTime(@TempDir Path state) throws Exception {
        Run granted = meridianWithState(state, "-c", "ai:consent grant global");
        assertEquals(0, granted.status(), granted.err());
        String time = granted.out().replaceAll("(?s).*granted at (\\S+).*", "$1");
        Run shown = meridianWithState(state, "-c", "ai:consent show global");
        assertTrue(shown.out().contains("Consent for scope global granted at " + time), shown.out());
        Run revoked = meridianWithState(state, "-c", "ai:consent revoke global");
        assertEquals(0, revoked.status(), revoked.err());
        assertTrue(meridianWithState(state, "-c", "ai:consent").out().contains("No consent recorded"));
    }

    /** Issue 8, defect 2, on the shipped host: a damaged stored region blocks everything after a restart. */
    @Test
    void aDamagedStoredRegionBlocksEveryRequestAfterARestart(@TempDir Path state) throws Exception {
        Path damaged = home.resolve("deploy/meridian.region.config");
        Files.writeString(damaged, "region=[\"CN\"]\n");
        Path jar = Path.of(System.getProperty("meridian.root", "../..")).resolve(
                "test-bundles/test-provider/target/test-provider-0.1.0-SNAPSHOT.jar");
        Path deployed = home.resolve("deploy/test-provider.jar");
        Files.copy(jar, deployed, StandardCopyOption.REPLACE_EXISTING);
        try {
            meridianWithState(state, "--region", "GLOBAL", "-c", "ai:region"); // stores the damaged configuration
            Run region = meridianWithState(state, "--region", "GLOBAL", "-c", "ai:region");
            assertTrue(region.out().contains("Active region: INVALID") && region.out().contains("meridian.region"),
                    region.out());
            Run providers = meridianWithState(state, "--region", "GLOBAL", "-c", "ai:providers");
            assertTrue(providers.out().contains("Region INVALID"), providers.out());
            Run chat = meridianWithState(state, "--region", "GLOBAL", "-c", "ai:chat -p paced hello");
            assertEquals(1, chat.status());
            assertTrue(chat.err().contains("cannot be read"), chat.err());
        } finally {
            Files.delete(damaged);
            Files.delete(deployed);
        }
    }

    @Test
    void aFreshHostAnswersWithTheShippedModelAndNamesItsGateway(@TempDir Path state) throws Exception {
        Run chat = meridianWithState(state, "-c", "ai:chat -n 12 Once upon a time");
        assertEquals(0, chat.status(), chat.err());
        assertTrue(chat.out().contains("provider=local model=stories260K region=GLOBAL scope=device"), chat.out());
        Run gateway = meridianWithState(state, "-c", "ai:gateway");
        assertEquals(0, gateway.status(), gateway.err());
        assertTrue(gateway.out().contains("Gateway (OpenAI-compatible): http://127.0.0.1:" + gatewayPort + "/v1"),
                gateway.out());
        assertTrue(gateway.out().contains("Operators' page: http://127.0.0.1:" + gatewayPort + "/meridian/"),
                gateway.out());
        assertTrue(gateway.out().contains("Tokens: none (loopback only)"), gateway.out());
    }

    @Test
    void everyAnswerInChinaCarriesTheExplicitLabel(@TempDir Path state) throws Exception {
        Path jar = Path.of(System.getProperty("meridian.root", "../..")).resolve(
                "test-bundles/test-provider/target/test-provider-0.1.0-SNAPSHOT.jar");
        Path deployed = home.resolve("deploy/test-provider.jar");
        Files.copy(jar, deployed, StandardCopyOption.REPLACE_EXISTING);
        try {
            Run chat = meridianWithState(state, "--region", "CN", "-c", "ai:chat -p paced hello");
            assertEquals(0, chat.status(), chat.err());
            assertTrue(chat.out().contains("本内容由人工智能生成") && chat.out().contains("region=CN"), chat.out());
            Run global = meridianWithState(state, "--region", "GLOBAL", "-c", "ai:chat -p paced hello");
            assertFalse(global.out().contains("本内容由人工智能生成"), global.out());
        } finally {
            Files.delete(deployed);
        }
    }
}
