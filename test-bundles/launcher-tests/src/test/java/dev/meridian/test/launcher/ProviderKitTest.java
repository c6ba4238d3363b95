package dev.meridian.test.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.meridian.test.cloud.FakeCloudServer;
import dev.meridian.test.cloud.OpenAiWire;

/**
 * The provider kit as an OEM uses it, out of this repository's build: the template and the Mistral example built
 * with Maven on Meridian's installed artifacts, signed with an OEM key of their own, checked with
 * {@code meridian-conformance} against a trust file naming that key, deployed into a copy of the runtime, listed and
 * routed to. Seven deliberately broken variants of the template each fail the kit on the rule they break, and
 * Meridian's own three providers pass it. The steps are those of docs/provider-guide.md.
 */
class ProviderKitTest {
    private static final Path ROOT = Path.of(System.getProperty("meridian.root", "../..")).toAbsolutePath()
            .normalize();
    private static final String STREAM = "        return current.backend().stream(request, listener);\n";
    private static final String ACTIVATE = "        current = new Reconfigurable(";

    /** A broken variant: the template's source with these edits, and the check and rule the kit must name. */
    record Variant(String name, String check, String rule, Map<String, String> edits) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Variant> variants() {
        return List.of(
                new Variant("completes-twice", "listener-contract", "exactly one completion", Map.of(STREAM, """
                                return current.backend().stream(request, new StreamListener() {
                                    public void onText(String delta) {
                                        listener.onText(delta);
                                    }

                                    public void onComplete(dev.meridian.api.Completion completion) {
                                        listener.onComplete(completion);
                                        listener.onComplete(completion);
                                    }
                                });
                        """)),
                new Variant("ignores-cancel", "cancel-during-stream", "cancel ends the stream", Map.of(STREAM, """
                                StreamHandle handle = current.backend().stream(request, listener);
                                return new StreamHandle() {
                                    public void cancel() {
                                    }

                                    public java.util.concurrent.CompletionStage<dev.meridian.api.Completion> completion() {
                                        return handle.completion();
                                    }
                                };
                        """)),
                new Variant("swallows-stream-error", "error-inside-200-stream", "fails the answer", Map.of(STREAM, """
                                return current.backend().stream(request, new StreamListener() {
                                    private boolean streaming;

                                    public void onText(String delta) {
                                        streaming = true;
                                        listener.onText(delta);
                                    }

                                    public void onComplete(dev.meridian.api.Completion c) {
                                        listener.onComplete(streaming && c.error() != null ? new dev.meridian.api.Completion(
                                                dev.meridian.api.FinishReason.STOP, c.usage(), c.provenance(), null, c.label()) : c);
                                    }
                                });
                        """)),
                new Variant("retries-anything", "auth-not-retried", "a non-retryable error was retried", Map.of(STREAM, """
                                return retrying(request, listener, 3);
                            }

                            private StreamHandle retrying(ChatRequest request, StreamListener listener, int left) {
                                return current.backend().stream(request, new StreamListener() {
                                    public void onText(String delta) {
                                        listener.onText(delta);
                                    }

                                    public void onComplete(dev.meridian.api.Completion c) {
                                        if (c.error() != null && left > 1) {
                                            retrying(request, listener, left - 1);
                                        } else {
                                            listener.onComplete(c);
                                        }
                                    }
                                });
                        """)),
                new Variant("leaks-a-thread", "no-leak-after-20-updates", "no thread left", Map.of(ACTIVATE, """
                                Thread poller = new Thread(() -> {
                                    while (true) {
                                        try {
                                            Thread.sleep(1000);
                                        } catch (InterruptedException e) {
                                            return;
                                        }
                                    }
                                }, "example-poller");
                                poller.setDaemon(true);
                                poller.start();
                        """ + ACTIVATE)),
                new Variant("prints-its-key", "key-never-shown", "no key in anything printed", Map.of(
                        "    private final Reconfigurable current;\n", """
                                    private final Reconfigurable current;
                                    private String key = "";
                                """,
                        ACTIVATE, """
                                        dev.meridian.cloud.Secret secret = keys.resolve(properties, "EXAMPLE_API_KEY");
                                        key = secret == null ? "" : secret.reveal();
                                """ + ACTIVATE,
                        STREAM, """
                                        return current.backend().stream(request, new StreamListener() {
                                            public void onText(String delta) {
                                                listener.onText(delta);
                                            }

                                            public void onComplete(dev.meridian.api.Completion c) {
                                                if (c.error() != null) {
                                                    System.err.println("request failed with key " + key + ": " + c.error());
                                                }
                                                listener.onComplete(c);
                                            }
                                        });
                                """)),
                new Variant("always-available", "availability-with-reasons", "availability with reasons", Map.of(
                        "        return current.backend().availability();\n",
                        "        return Availability.AVAILABLE;\n")));
    }

    @TempDir
    static Path work;
    private static Path oem;
    private static Path trust;
    private static final Map<String, Path> JARS = new LinkedHashMap<>();
    private static Path NEXT;
    private static final Map<String, Future<Kit>> KITS = new LinkedHashMap<>();

    record Kit(int status, String out) {
    }

    @BeforeAll
    static void buildSignAndCheck() throws Exception {
        oem = work.resolve("oem");
        List<String> modules = new ArrayList<>(List.of("provider-template", "provider-mistral"));
        copy(ROOT.resolve("examples/provider-template"), oem.resolve("provider-template"));
        copy(ROOT.resolve("examples/provider-mistral"), oem.resolve("provider-mistral"));
        // the next release of the template, for the swap under load
        copy(ROOT.resolve("examples/provider-template"), oem.resolve("provider-template-v2"));
        Path nextPom = oem.resolve("provider-template-v2/pom.xml");
        Files.writeString(nextPom, Files.readString(nextPom).replaceFirst("<version>1.0.0</version>",
                "<version>1.0.1</version>"));
        modules.add("provider-template-v2");
        for (Variant variant : variants()) {
            Path module = oem.resolve("broken-" + variant.name());
            copy(ROOT.resolve("examples/provider-template"), module);
            Path pom = module.resolve("pom.xml");
            Files.writeString(pom, Files.readString(pom).replace("<artifactId>example-provider</artifactId>",
                    "<artifactId>broken-" + variant.name() + "</artifactId>"));
            Path source = module.resolve("src/main/java/com/example/provider/ExampleProvider.java");
            String text = Files.readString(source);
            for (Map.Entry<String, String> edit : variant.edits().entrySet()) {
                assertTrue(text.contains(edit.getKey()), "the template no longer has: " + edit.getKey());
                text = text.replace(edit.getKey(), edit.getValue());
            }
            Files.writeString(source, text);
            modules.add("broken-" + variant.name());
        }
        // one reactor builds them all, as an OEM's own multi-module build would
        StringBuilder aggregator = new StringBuilder("<project xmlns=\"http://maven.apache.org/POM/4.0.0\"><modelVersion>"
                + "4.0.0</modelVersion><groupId>com.example</groupId><artifactId>oem-providers</artifactId><version>1"
                + "</version><packaging>pom</packaging><modules>");
        modules.forEach(m -> aggregator.append("<module>").append(m).append("</module>"));
        Files.writeString(oem.resolve("pom.xml"), aggregator.append("</modules></project>").toString());
        String jdk = run(ROOT, List.of(ROOT.resolve("runtime/bin/jdk25").toString())).out().strip();
        Kit build = run(oem, List.of("mvn", "-B", "-q", "package"), "JAVA_HOME", jdk);
        assertEquals(0, build.status(), "the out-of-tree build failed:\n" + build.out());

        // the OEM's key, as docs/provider-guide.md makes it, and a trust file naming it for the scopes they serve
        Path store = work.resolve("oem-signing.p12");
        assertEquals(0, run(work, List.of(jdk + "/bin/keytool", "-genkeypair", "-keystore", store.toString(),
                "-storetype", "PKCS12", "-storepass", "oem-secret", "-alias", "oem", "-keyalg", "EC", "-groupname",
                "secp256r1", "-validity", "3650", "-dname", "CN=Example OEM providers")).status());
        String listing = run(work, List.of(jdk + "/bin/keytool", "-list", "-v", "-keystore", store.toString(),
                "-storepass", "oem-secret", "-alias", "oem")).out();
        String fingerprint = listing.lines().filter(l -> l.strip().startsWith("SHA256:")).findFirst()
                .orElseThrow().strip().substring("SHA256:".length()).strip();
        trust = work.resolve("meridian.trust.config");
        Files.writeString(trust, "signers.global=[\"" + fingerprint + "\"]\nsigners.eu=[\"" + fingerprint + "\"]\n");
        JARS.put("template", oem.resolve("provider-template/target/example-provider-1.0.0.jar"));
        JARS.put("mistral", oem.resolve("provider-mistral/target/mistral-provider-1.0.0.jar"));
        variants().forEach(v -> JARS.put(v.name(), oem.resolve("broken-" + v.name() + "/target/broken-" + v.name()
                + "-1.0.0.jar")));
        NEXT = oem.resolve("provider-template-v2/target/example-provider-1.0.1.jar");
        for (Path jar : Stream.concat(JARS.values().stream(), Stream.of(NEXT)).toList()) {
            Kit signed = run(work, List.of(jdk + "/bin/jarsigner", "-keystore", store.toString(), "-storepass",
                    "oem-secret", jar.toString(), "oem"));
            assertEquals(0, signed.status(), signed.out());
        }

        // two kits at a time (two cores); each has a framework, fakes and timings of its own
        ExecutorService pool = Executors.newFixedThreadPool(2);
        String kit = ROOT.resolve("runtime/bin/meridian-conformance").toString();
        JARS.forEach((name, jar) -> KITS.put(name, pool.submit(() -> run(work, List.of(kit, jar.toString(),
                "--trust", trust.toString())))));
        Path bundles = ROOT.resolve("bundles");
        KITS.put("openai", pool.submit(() -> run(work, List.of(kit, bundles.resolve(
                "provider-openai/target/provider-openai-0.1.0-SNAPSHOT.jar").toString()))));
        String dashscope = bundles.resolve("provider-dashscope/target/provider-dashscope-0.1.0-SNAPSHOT.jar")
                .toString();
        KITS.put("dashscope", pool.submit(() -> run(work, List.of(kit, dashscope, "--wire", "dashscope"))));
        KITS.put("dashscope-compatible", pool.submit(() -> run(work, List.of(kit, dashscope, "mode=compatible"))));
        KITS.put("local", pool.submit(() -> run(work, List.of(kit, bundles.resolve(
                "provider-local/target/provider-local-0.1.0-SNAPSHOT.jar").toString(),
                "modelFile=" + ROOT.resolve("runtime/models/stories260K.gguf")))));
        pool.shutdown();
    }

    @Test
    void theTemplateItsExampleAndMeridiansProvidersPassTheKit() throws Exception {
        for (String name : List.of("template", "mistral", "openai", "dashscope", "dashscope-compatible", "local")) {
            Kit kit = KITS.get(name).get(10, TimeUnit.MINUTES);
            assertEquals(0, kit.status(), name + ":\n" + kit.out());
            assertTrue(kit.out().strip().matches("(?s).*\\n\\d+ passed, 0 failed"), name + ":\n" + kit.out());
        }
    }

    @ParameterizedTest
    @MethodSource("variants")
    void aBrokenVariantFailsTheKitNamingTheRuleItBroke(Variant variant) throws Exception {
        Kit kit = KITS.get(variant.name()).get(10, TimeUnit.MINUTES);
        assertEquals(1, kit.status(), kit.out());
        assertTrue(kit.out().lines().anyMatch(line -> line.startsWith("FAIL  " + variant.check() + ": ")
                && line.contains(variant.rule())), "expected FAIL " + variant.check() + " (" + variant.rule()
                        + "):\n" + kit.out());
        assertTrue(kit.out().strip().matches("(?s).*\\n\\d+ passed, [1-9]\\d* failed"), kit.out());
    }

    @Test
    void theKitSaysWhatIsWrongWithItsCommandLine() throws Exception {
        String kit = ROOT.resolve("runtime/bin/meridian-conformance").toString();
        Kit missing = run(work, List.of(kit, work.resolve("no-such.jar").toString()));
        assertEquals(2, missing.status(), missing.out());
        assertTrue(missing.out().contains("no such bundle"), missing.out());
        Kit odd = run(work, List.of(kit, JARS.get("template").toString(), "not-a-setting"));
        assertEquals(2, odd.status(), odd.out());
        assertTrue(odd.out().contains("neither name=value nor a .config file"), odd.out());
    }

    @Test
    void aSignedProviderDeploysIsListedAndServes() throws Exception {
        Path home = work.resolve("device");
        device(home, ShippedRuntime.freePort());
        try (FakeCloudServer server = new FakeCloudServer(OpenAiWire.answer("Served", " by", " the", " OEM"))) {
            deployExample(home, server.baseUrl());
            String meridian = home.resolve("bin/meridian").toString();
            Kit providers = run(home, List.of(meridian, "--state", home.resolve("state").toString(), "-c",
                    "ai:providers"));
            assertTrue(providers.out().matches("(?s).*example\\s+global\\s+yes\\s+trusted \\(signer [0-9a-f]{16}\\)"
                    + "\\s+available.*"), providers.out());
            Kit chat = run(home, List.of(meridian, "--state", home.resolve("state").toString(), "-c",
                    "ai:chat -p example hello"));
            assertEquals(0, chat.status(), chat.out());
            assertTrue(chat.out().contains("Served by the OEM") && chat.out().contains("provider=example"),
                    chat.out());
            assertTrue(!chat.out().contains("sk-example-device-key"), chat.out());
        }
    }

    /** Guide step 7: a new release copied over the deployed jar while apps call it; no request fails. */
    @Test
    void aDeployedProviderIsSwappedUnderLoadWithNoFailedRequest() throws Exception {
        Path home = work.resolve("swap");
        int port = ShippedRuntime.freePort();
        device(home, port);
        try (FakeCloudServer server = new FakeCloudServer(OpenAiWire.paced(5, 20))) {
            Path deployed = deployExample(home, server.baseUrl());
            ProcessBuilder builder = new ProcessBuilder(home.resolve("bin/meridian").toString(), "--headless",
                    "--state", home.resolve("state").toString());
            builder.environment().put("MERIDIAN_DEV_SIGNER", Files.readString(Path.of(System.getProperty(
                    "user.home"), ".meridian/dev-signing/fingerprint")).strip());
            Process host = builder.redirectOutput(home.resolve("host.out").toFile()).redirectErrorStream(true).start();
            try {
                Gateway gateway = new Gateway(URI.create("http://127.0.0.1:" + port + "/"));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
                while (gateway.askWhenListening() != 200) {
                    assertTrue(host.isAlive() && System.nanoTime() < deadline, "the provider did not serve: "
                            + Files.readString(home.resolve("host.out")));
                    Thread.sleep(200);
                }
                AtomicBoolean running = new AtomicBoolean(true);
                AtomicInteger served = new AtomicInteger();
                List<String> failures = new CopyOnWriteArrayList<>();
                List<Thread> load = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    load.add(Thread.ofPlatform().start(() -> {
                        while (running.get()) {
                            try {
                                int status = gateway.ask();
                                if (status == 200) {
                                    served.incrementAndGet();
                                } else {
                                    failures.add("HTTP " + status);
                                }
                            } catch (Exception e) {
                                failures.add(e.toString());
                            }
                        }
                    }));
                }
                Thread.sleep(2000);
                int before = served.get();
                // as the guide says: copy next to it, then rename, so the host never reads half a jar
                Path part = home.resolve("deploy/example-provider.jar.part");
                Files.copy(NEXT, part);
                Files.move(part, deployed, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                long swapDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (!gateway.status().contains("com.example.example-provider 1.0.1")) {
                    assertTrue(System.nanoTime() < swapDeadline, "the new release did not replace the old: "
                            + gateway.status());
                    Thread.sleep(100);
                }
                int atSwap = served.get();
                Thread.sleep(2000);
                running.set(false);
                for (Thread thread : load) {
                    thread.join(30_000);
                }
                assertTrue(failures.isEmpty(), failures.size() + " requests failed during the swap: " + failures);
                assertTrue(before > 0 && served.get() > atSwap, "served " + before + " before, " + atSwap
                        + " at the swap, " + served.get() + " in all");
            } finally {
                host.destroy(); // SIGTERM: the host drains and exits
                assertTrue(host.waitFor(60, TimeUnit.SECONDS), "the host did not stop");
            }
        }
    }

    /** A copy of the runtime whose trust configuration adds the OEM's signer for scope global (guide step 4). */
    private static void device(Path home, int gatewayPort) throws IOException {
        ShippedRuntime.copyTo(home);
        Files.writeString(home.resolve("conf/meridian.gateway.config"), "port=I\"" + gatewayPort + "\"\n");
        String fingerprint = Files.readString(trust).replaceAll("(?s).*signers.global=\\[\"([^\"]+)\"].*", "$1");
        Path trustConfig = home.resolve("conf/meridian.trust.config");
        Files.writeString(trustConfig, Files.readString(trustConfig).replace(
                "signers.global=[\"${meridian.dev.signer}\"]",
                "signers.global=[\"${meridian.dev.signer}\",\"" + fingerprint + "\"]"));
    }

    /** The template's jar and its configuration in deploy/ (guide step 5), its endpoint at {@code baseUrl}. */
    private static Path deployExample(Path home, String baseUrl) throws IOException {
        Path deployed = home.resolve("deploy/example-provider.jar");
        Files.copy(JARS.get("template"), deployed);
        Files.writeString(home.resolve("deploy/com.example.provider-example.config"), """
                meridian.provider.id="example"
                meridian.provider.scope="global"
                meridian.provider.models=["example-model"]
                baseUrl="%s"
                .apiKey="sk-example-device-key-0123456789"
                """.formatted(baseUrl));
        return deployed;
    }

    /** The host's gateway, as an app on the device calls it. */
    private record Gateway(URI base) {
        private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

        /** Asks the example provider by name; the status, 200 when the whole answer came. */
        int ask() throws Exception {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(base.resolve("v1/chat/completions"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                            "{\"model\":\"example/example-model\",\"messages\":[{\"role\":\"user\",\"content\":"
                                    + "\"hi\"}]}")).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 200 && !response.body().contains("t0 t1 t2 t3 t4")) {
                throw new AssertionError("a partial answer: " + response.body());
            }
            return response.statusCode();
        }

        /** As {@link #ask()}, 0 while the host is not listening yet. */
        int askWhenListening() throws Exception {
            try {
                return ask();
            } catch (java.net.ConnectException notYet) {
                return 0;
            }
        }

        String status() throws Exception {
            return HTTP.send(HttpRequest.newBuilder(base.resolve("meridian/status.json")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        }
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : files.filter(f -> !f.toString().contains("/target")).toList()) {
                Path target = to.resolve(from.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(file, target);
                }
            }
        }
    }

    /** Runs a command to its end (at most 10 minutes), standard error merged into its output. */
    private static Kit run(Path directory, List<String> command, String... environment) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        builder.environment().put("MERIDIAN_DEV_SIGNER", Files.readString(Path.of(System.getProperty("user.home"),
                ".meridian/dev-signing/fingerprint")).strip());
        for (int i = 0; i + 1 < environment.length; i += 2) {
            builder.environment().put(environment[i], environment[i + 1]);
        }
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(10, TimeUnit.MINUTES), "did not end: " + command);
        return new Kit(process.exitValue(), out);
    }
}
