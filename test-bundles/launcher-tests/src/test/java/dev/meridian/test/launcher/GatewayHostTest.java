package dev.meridian.test.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import dev.meridian.test.cloud.FakeCloudServer;
import dev.meridian.test.cloud.OpenAiWire;

/**
 * Issue 10 end to end: the shipped host run as a service ({@code bin/meridian --headless}) in region CN, with the
 * shipped story model and a fake OpenAI endpoint configured (which CN must never reach), called by clients nobody
 * here wrote: the official {@code openai} npm package, {@code curl -N}, and Debian's chromium on the operators'
 * page. Ends with SIGTERM: the open stream drains and the host exits 0.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GatewayHostTest {
    static final String OPERATOR_TOKEN = "operator-test-token";
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @TempDir
    static Path home;
    static Process host;
    static FakeCloudServer openai;
    static URI base;

    @BeforeAll
    static void startHeadlessHost() throws Exception {
        ShippedRuntime.copyTo(home);
        openai = new FakeCloudServer(OpenAiWire.answer("Hello", " from", " abroad"));
        Files.writeString(home.resolve("conf/meridian.provider.openai-openai.config"), """
                meridian.provider.id="openai"
                meridian.provider.scope="global"
                meridian.provider.models=["gpt-4o-mini"]
                baseUrl="%s"
                apiKeyEnv="OPENAI_API_KEY"
                """.formatted(openai.baseUrl()));
        int port = ShippedRuntime.freePort();
        Files.writeString(home.resolve("conf/meridian.gateway.config"), """
                port=I"%d"
                operatorTokenHashes=["%s"]
                """.formatted(port, sha256(OPERATOR_TOKEN)));
        ProcessBuilder builder = new ProcessBuilder(home.resolve("bin/meridian").toString(), "--headless",
                "--state", home.resolve("state").toString(), "--region", "CN");
        builder.environment().put("OPENAI_API_KEY", "sk-fake-host-test-0123456789");
        builder.environment().put("MERIDIAN_DEV_SIGNER", Files.readString(Path.of(System.getProperty("user.home"),
                ".meridian/dev-signing/fingerprint")).strip());
        host = builder.redirectOutput(home.resolve("host.out").toFile()).redirectErrorStream(true).start();
        base = URI.create("http://127.0.0.1:" + port + "/");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            assertTrue(host.isAlive(), "the host stopped: " + Files.readString(home.resolve("host.out")));
            try {
                if (get("health").statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the gateway did not answer: " + Files.readString(home.resolve("host.out")));
    }

    @AfterAll
    static void stop() throws Exception {
        if (host != null && host.isAlive()) {
            host.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        if (openai != null) {
            openai.close();
        }
    }

    @Test
    @Order(1)
    void theOfficialOpenAiClientCallsTheGateway() throws Exception {
        Path node = home.resolve("node");
        Files.createDirectories(node);
        Path script = Path.of("src/test/node/openai-client.mjs").toAbsolutePath();
        Files.copy(script, node.resolve("openai-client.mjs"));
        // openai@6: the 7.x line needs Node 22, these machines have 20 (BUILD.md)
        Run install = run(node, 300, "npm", "install", "--no-audit", "--no-fund", "--loglevel=error", "openai@6");
        assertEquals(0, install.status(), install.out());
        Run client = run(node, 180, "node", "openai-client.mjs", base + "v1");
        System.out.println(client.out());
        assertEquals(0, client.status(), client.out());
        assertTrue(client.out().contains("all passed"), client.out());
        assertEquals(0, openai.requests().size(), "region CN sent a request to the global endpoint");
    }

    @Test
    @Order(2)
    void curlSeesRawServerSentEvents() throws Exception {
        Run curl = run(home, 60, "curl", "-sN", base + "v1/chat/completions", "-H", "Content-Type: application/json",
                "-d", "{\"model\":\"meridian\",\"stream\":true,\"max_tokens\":5,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"Once\"}]}");
        assertEquals(0, curl.status(), curl.out());
        List<String> events = curl.out().lines().filter(line -> !line.isEmpty()).toList();
        assertTrue(events.stream().allMatch(line -> line.startsWith("data: ")), curl.out());
        assertEquals("data: [DONE]", events.getLast(), curl.out());
        assertTrue(events.getFirst().contains("\"role\":\"assistant\""), curl.out());
    }

    @Test
    @Order(3)
    void theOperatorsPageShowsARegionSwitchAndAProviderSwapInChromium() throws Exception {
        HttpResponse<String> refused = post("meridian/region", "{\"region\":\"GLOBAL\",\"confirm\":\"GLOBAL\"}",
                "wrong-token");
        assertEquals(401, refused.statusCode(), refused.body());
        HttpResponse<String> unconfirmed = post("meridian/region", "{\"region\":\"GLOBAL\"}", OPERATOR_TOKEN);
        assertEquals(400, unconfirmed.statusCode(), unconfirmed.body());
        HttpResponse<String> switched = post("meridian/region", "{\"region\":\"GLOBAL\",\"confirm\":\"GLOBAL\"}",
                OPERATOR_TOKEN);
        assertEquals(200, switched.statusCode(), switched.body());

        // the swap: the shipped local provider leaves, another takes its place (FileInstall applies conf/)
        Files.writeString(home.resolve("conf/meridian.provider.local-story2.config"), """
                meridian.provider.id="story2"
                meridian.provider.scope="device"
                modelFile="%s"
                """.formatted(home.resolve("models/stories260K.gguf")));
        Files.delete(home.resolve("conf/meridian.provider.local-local.config"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String status = "";
        while (System.nanoTime() < deadline) {
            status = get("meridian/status.json").body();
            if (status.contains("\"id\":\"story2\"") && !status.contains("\"id\":\"local\"")
                    && status.contains("\"availability\":\"available\"")) {
                break;
            }
            Thread.sleep(200);
        }
        assertTrue(status.contains("\"id\":\"story2\"") && !status.contains("\"id\":\"local\""), status);
        // issue 12: every provider's settings from metatype, with defaults; never a key
        assertTrue(status.contains("{\"id\":\"connectTimeoutMs\",\"name\":\"Connect timeout (ms)\",\"default\":"
                + "\"10000\"}"), status);
        assertTrue(status.contains("{\"id\":\"baseUrl\",\"name\":\"Base URL\",\"value\":\"" + openai.baseUrl()), status);
        assertFalse(status.contains("apiKey\",") || status.contains("sk-fake-host-test"), status);

        String chromium = chromium();
        Path screenshot = Path.of("target/operators-page.png").toAbsolutePath();
        Files.createDirectories(screenshot.getParent());
        Files.deleteIfExists(screenshot);
        Run dom = run(home, 120, chromium, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=3000",
                "--dump-dom", base + "meridian/");
        assertEquals(0, dom.status(), dom.out());
        String page = dom.out();
        assertTrue(page.contains("id=\"region\">GLOBAL<"), page);
        assertTrue(page.contains("id=\"source\">configuration<"), page);
        assertTrue(page.contains("id=\"provider-story2\""), page);
        assertFalse(page.contains("id=\"provider-local\""), page);
        assertTrue(page.contains("id=\"provider-openai\""), page);
        assertTrue(page.contains("<td>Idle timeout (ms) (idleTimeoutMs)</td><td></td><td>30000</td>"), page);
        Run shot = run(home, 120, chromium, "--headless", "--no-sandbox", "--disable-gpu",
                "--virtual-time-budget=3000", "--window-size=1400,700", "--screenshot=" + screenshot,
                base + "meridian/");
        assertEquals(0, shot.status(), shot.out());
        assertTrue(Files.size(screenshot) > 10_000, "screenshot " + screenshot);
    }

    @Test
    @Order(4)
    void sigtermLetsTheOpenStreamFinishAndExitsZero() throws Exception {
        HttpRequest request = HttpRequest.newBuilder(base.resolve("v1/chat/completions"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"meridian\",\"stream\":true,\"max_tokens\":300,"
                                + "\"messages\":[{\"role\":\"user\",\"content\":\"Once upon a time\"}]}"))
                .build();
        HttpResponse<InputStream> response = HTTP.send(request, HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, response.statusCode());
        BufferedReader events = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
        assertTrue(events.readLine().startsWith("data: "), "the stream started");

        host.destroy(); // SIGTERM, as an init system stops a service
        List<String> rest = new ArrayList<>();
        String line;
        while ((line = events.readLine()) != null) {
            rest.add(line);
        }
        assertTrue(host.waitFor(60, TimeUnit.SECONDS), "the host did not stop");
        assertEquals(0, host.exitValue(), Files.readString(home.resolve("host.out")));
        assertEquals("data: [DONE]", rest.stream().filter(l -> !l.isEmpty()).reduce((a, b) -> b).orElse(""),
                "the open stream was cut: " + rest);
        String log = Files.readString(home.resolve("logs/meridian.log"));
        assertTrue(log.contains("Headless: stopping"), log);
        assertFalse(Files.readString(home.resolve("host.out")).contains("INFO"), "headless prints no log lines");
    }

    /** Debian's chromium, installed when missing (the test machines can reach Debian's archive). */
    private static String chromium() throws Exception {
        for (String name : List.of("chromium", "chromium-browser")) {
            if (run(home, 10, "sh", "-c", "command -v " + name).status() == 0) {
                return name;
            }
        }
        Run install = run(home, 900, "sh", "-c", "apt-get update -q && DEBIAN_FRONTEND=noninteractive "
                + "apt-get install -y -q chromium");
        assertEquals(0, install.status(), "installing chromium failed: " + install.out());
        return "chromium";
    }

    record Run(int status, String out) {
    }

    private static Run run(Path dir, int seconds, String... command) throws Exception {
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        byte[] out = process.getInputStream().readAllBytes();
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("timed out: " + String.join(" ", command));
        }
        return new Run(process.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(String path, String body, String token) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(base.resolve(path)).header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String sha256(String text) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(text.getBytes(StandardCharsets.UTF_8)));
    }
}
