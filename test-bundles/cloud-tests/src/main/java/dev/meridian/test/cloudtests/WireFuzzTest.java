package dev.meridian.test.cloudtests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;

import dev.meridian.api.ChatRequest;
import dev.meridian.api.Completion;
import dev.meridian.api.ErrorKind;
import dev.meridian.api.StreamListener;
import dev.meridian.test.cloud.DashScopeWire;
import dev.meridian.test.cloud.Exchange;
import dev.meridian.test.cloud.FakeCloudServer;
import dev.meridian.test.cloud.OpenAiWire;
import dev.meridian.test.cloud.Scenario;

/**
 * A wire fuzzer for both dialects: real answers recorded from the fakes (plain, with reasoning, with an error inside
 * the stream, error bodies) are mutated (bit flips, overwrites, truncation, lines dropped or repeated, values of the
 * wrong JSON type, random JSON, huge lines, invalid UTF-8, CRLF, missing {@code data:}) and served, together with
 * endless fast streams and slow headers, to the real providers. Every case must end with exactly one completion,
 * a success or an error of the taxonomy, within the provider's timeouts. 2,000 cases per build;
 * {@code MERIDIAN_WIRE_FUZZ_CASES=100000} (and {@code MERIDIAN_WIRE_FUZZ_SEED}) in the environment of the build for
 * more (see docs/benchmarks.md).
 */
class WireFuzzTest {
    private static final int LANES = 4;
    private static final long TOTAL_TIMEOUT_MS = 1_500;

    @InjectBundleContext
    BundleContext context;
    @InjectService
    ConfigurationAdmin cm;

    private record Dialect(String name, String factoryPid, Map<String, Object> endpoint, List<Scenario> answers) {
    }

    @Test
    void everyMutatedAnswerEndsOnceWithinItsTimeouts() throws Exception {
        int cases = Integer.parseInt(System.getenv().getOrDefault("MERIDIAN_WIRE_FUZZ_CASES", "2000"));
        long seed = Long.parseLong(System.getenv().getOrDefault("MERIDIAN_WIRE_FUZZ_SEED",
                String.valueOf(System.nanoTime())));
        List<Dialect> dialects = List.of(
                new Dialect("openai", "meridian.provider.openai", Map.of(), List.of(OpenAiWire.answer("Hello", " world"),
                        OpenAiWire.answer("你好", "，世界", " 🌍"), OpenAiWire.errorInStream(1, "server_error", "server_error"),
                        OpenAiWire.rateLimited(10), OpenAiWire.invalidKey())),
                new Dialect("dashscope", "meridian.provider.dashscope", Map.of("deploymentRegion", "cn-beijing",
                        "mode", "native"), List.of(DashScopeWire.answer("你好", "，", "世界"),
                                DashScopeWire.answer(new String[] { "想一想" }, "答案"),
                                DashScopeWire.errorInStream(1, 500, "InternalError", "boom"),
                                DashScopeWire.invalidKey())));
        Map<ErrorKind, Integer> errors = new EnumMap<>(ErrorKind.class);
        AtomicInteger succeeded = new AtomicInteger();
        List<String> failures = new CopyOnWriteArrayList<>();
        long start = System.nanoTime();
        for (Dialect dialect : dialects) {
            List<byte[]> transcripts = record(dialect);
            List<Thread> lanes = new ArrayList<>();
            for (int lane = 0; lane < LANES; lane++) {
                SplittableRandom random = new SplittableRandom(seed + lane * 7919L + dialect.name().hashCode());
                int share = cases / dialects.size() / LANES;
                lanes.add(Thread.ofPlatform().start(() -> {
                    try {
                        runLane(dialect, transcripts, random, share, errors, succeeded, failures);
                    } catch (Throwable e) { // the harness's own failure (even out of memory) fails the run
                        failures.add(dialect.name() + ": lane failed: " + e);
                    }
                }));
            }
            for (Thread lane : lanes) {
                lane.join();
            }
        }
        int ran = succeeded.get() + errors.values().stream().mapToInt(Integer::intValue).sum();
        System.out.printf("wire fuzz seed=%d cases=%d (ran %d): %d succeeded, errors %s, %d failures, %.1f s%n", seed,
                cases, ran, succeeded.get(), errors, failures.size(), (System.nanoTime() - start) / 1e9);
        assertThat(failures).as("seed " + seed).isEmpty();
        assertThat(ran).as("cases that ran to a completion").isEqualTo(cases / dialects.size() / LANES
                * dialects.size() * LANES);
    }

    private void runLane(Dialect dialect, List<byte[]> transcripts, SplittableRandom random, int cases,
            Map<ErrorKind, Integer> errors, AtomicInteger succeeded, List<String> failures) throws Exception {
        try (FakeCloudServer server = new FakeCloudServer(dialect.answers().get(0));
                ConfiguredProvider provider = ConfiguredProvider.create(context, cm, dialect.factoryPid(),
                        "fuzz-" + dialect.name(), dialect.name().equals("openai") ? "global" : "cn-mainland",
                        settings(dialect, server.baseUrl()))) {
            for (int i = 0; i < cases; i++) {
                String what = mutation(random);
                server.then(scenario(what, transcripts.get(random.nextInt(transcripts.size())), random));
                CompletableFuture<Completion> end = new CompletableFuture<>();
                AtomicInteger completions = new AtomicInteger();
                long begun = System.nanoTime();
                provider.provider.stream(ChatRequest.of("go"), new StreamListener() {
                    @Override
                    public void onText(String delta) {
                    }

                    @Override
                    public void onComplete(Completion completion) {
                        completions.incrementAndGet();
                        end.complete(completion);
                    }
                });
                Completion completion;
                try {
                    completion = end.get(TOTAL_TIMEOUT_MS + 3_000, TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    failures.add(dialect.name() + " " + what + ": no completion within the timeouts");
                    continue;
                }
                long millis = (System.nanoTime() - begun) / 1_000_000;
                if (millis > TOTAL_TIMEOUT_MS + 1_000) {
                    failures.add(dialect.name() + " " + what + ": took " + millis + " ms");
                }
                if (completion.error() == null) {
                    succeeded.incrementAndGet();
                } else if (completion.error().kind() == null) {
                    failures.add(dialect.name() + " " + what + ": untyped error " + completion.error());
                } else {
                    synchronized (errors) {
                        errors.merge(completion.error().kind(), 1, Integer::sum);
                    }
                }
                Thread.sleep(5);
                if (completions.get() != 1) {
                    failures.add(dialect.name() + " " + what + ": " + completions.get() + " completions");
                }
            }
        }
    }

    private static Map<String, Object> settings(Dialect dialect, String baseUrl) {
        Map<String, Object> settings = new HashMap<>(dialect.endpoint());
        settings.put("baseUrl", baseUrl);
        settings.put("firstTokenTimeoutMs", 400L);
        settings.put("idleTimeoutMs", 300L);
        settings.put("totalTimeoutMs", TOTAL_TIMEOUT_MS);
        settings.put("maxAttempts", 1);
        settings.put("maxAnswerChars", 20_000L);
        return settings;
    }

    /** The bodies the fakes send for each answer, as bytes, fetched over HTTP. */
    private static List<byte[]> record(Dialect dialect) throws Exception {
        List<byte[]> transcripts = new ArrayList<>();
        HttpClient client = HttpClient.newHttpClient();
        for (Scenario answer : dialect.answers()) {
            try (FakeCloudServer server = new FakeCloudServer(answer)) {
                HttpResponse<byte[]> response = client.send(HttpRequest.newBuilder(URI.create(server.baseUrl()
                        + "/record")).POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                ByteArrayOutputStream transcript = new ByteArrayOutputStream();
                transcript.write(response.statusCode() == 200 ? 0 : 1); // first byte: stream or error body
                transcript.write(response.body());
                transcripts.add(transcript.toByteArray());
            }
        }
        return transcripts;
    }

    private static final String[] MUTATIONS = { "flip", "overwrite", "truncate", "drop-line", "repeat-line",
        "wrong-type", "random-json", "huge-line", "invalid-utf8", "crlf", "no-data-prefix", "status", "endless",
        "slow-headers", "none" };

    private static String mutation(SplittableRandom random) {
        int dice = random.nextInt(100);
        if (dice < 2) {
            return random.nextBoolean() ? "endless" : "slow-headers";
        }
        return MUTATIONS[random.nextInt(MUTATIONS.length - 2)] + (dice > 90 ? "+" : "");
    }

    private static Scenario scenario(String what, byte[] transcript, SplittableRandom random) {
        boolean stream = transcript[0] == 0;
        byte[] body = java.util.Arrays.copyOfRange(transcript, 1, transcript.length);
        String kind = what.replace("+", "");
        byte[] mutated = mutate(kind, body, random);
        if (what.endsWith("+")) {
            mutated = mutate(MUTATIONS[random.nextInt(MUTATIONS.length - 4)], mutated, random);
        }
        byte[] sent = mutated;
        int status = kind.equals("status") ? new int[] { 200, 400, 401, 403, 404, 408, 409, 429, 500, 502, 503,
            504, 418, 302 }[random.nextInt(14)] : 0;
        return switch (kind) {
            case "endless" -> exchange -> {
                exchange.startStream();
                byte[] line = firstDataLine(body);
                for (long i = 0; i < 1_000_000; i++) {
                    exchange.sendBytes(line);
                }
            };
            case "slow-headers" -> exchange -> {
                Exchange.pause(600);
                exchange.startStream();
                exchange.sendBytes(body);
                exchange.end();
            };
            default -> exchange -> {
                if (status != 0) {
                    exchange.json(status, new String(sent, StandardCharsets.UTF_8));
                } else if (stream) {
                    exchange.startStream();
                    exchange.sendBytes(sent);
                    exchange.end();
                } else {
                    exchange.json(new int[] { 400, 401, 429, 500 }[random.nextInt(4)],
                            new String(sent, StandardCharsets.UTF_8));
                }
            };
        };
    }

    private static byte[] firstDataLine(byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8);
        for (String line : text.split("\n")) {
            if (line.startsWith("data:")) {
                return (line + "\n\n").getBytes(StandardCharsets.UTF_8);
            }
        }
        return "data: {}\n\n".getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] mutate(String kind, byte[] body, SplittableRandom random) {
        if (body.length == 0) {
            return body;
        }
        byte[] bytes = body.clone();
        String text = new String(body, StandardCharsets.UTF_8);
        List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
        int at = random.nextInt(lines.size());
        return switch (kind) {
            case "flip" -> {
                for (int i = 1 + random.nextInt(6); i > 0; i--) {
                    bytes[random.nextInt(bytes.length)] ^= (byte) (1 << random.nextInt(8));
                }
                yield bytes;
            }
            case "overwrite" -> {
                int from = random.nextInt(bytes.length);
                for (int i = from; i < Math.min(bytes.length, from + 1 + random.nextInt(40)); i++) {
                    bytes[i] = (byte) random.nextInt(256);
                }
                yield bytes;
            }
            case "truncate" -> java.util.Arrays.copyOf(bytes, random.nextInt(bytes.length));
            case "drop-line" -> {
                lines.remove(at);
                yield String.join("\n", lines).getBytes(StandardCharsets.UTF_8);
            }
            case "repeat-line" -> {
                // a repeated huge line would only test this harness's heap (the framework runs in 256 MiB)
                for (int i = lines.get(at).length() > 65_536 ? 0 : random.nextInt(50); i >= 0; i--) {
                    lines.add(at, lines.get(at));
                }
                yield String.join("\n", lines).getBytes(StandardCharsets.UTF_8);
            }
            case "wrong-type" -> text.replaceFirst("\"(content|text|finish_reason|message|code|output|choices|delta"
                    + "|usage|role)\":\\s*(\"[^\"]*\"|\\{|\\[|null|\\d+)", "\"$1\":" + new String[] { "123", "null",
                        "[]", "{}", "true", "\"\"", "-1e999", "[[[[[[[[[[" }[random.nextInt(8)]).getBytes(
                            StandardCharsets.UTF_8);
            case "random-json" -> {
                lines.add(at, "data: " + randomJson(random, 0) + "\n");
                yield String.join("\n", lines).getBytes(StandardCharsets.UTF_8);
            }
            case "huge-line" -> {
                lines.add(at, "data: {\"x\":\"" + "a".repeat(100_000 + random.nextInt(2_000_000)) + "\"}");
                yield String.join("\n", lines).getBytes(StandardCharsets.UTF_8);
            }
            case "invalid-utf8" -> {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                int cut = random.nextInt(bytes.length);
                out.write(bytes, 0, cut);
                out.writeBytes(new byte[] { (byte) 0xC3, (byte) 0x28, (byte) 0xFF, (byte) 0xED, (byte) 0xA0,
                    (byte) 0x80 });
                out.write(bytes, cut, bytes.length - cut);
                yield out.toByteArray();
            }
            case "crlf" -> text.replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8);
            case "no-data-prefix" -> text.replaceFirst("data:", "dat:").getBytes(StandardCharsets.UTF_8);
            default -> bytes;
        };
    }

    private static String randomJson(SplittableRandom random, int depth) {
        return switch (depth > 3 ? random.nextInt(4) : random.nextInt(6)) {
            case 0 -> String.valueOf(random.nextLong());
            case 1 -> "\"" + "\\u00" + Integer.toHexString(16 + random.nextInt(200)) + "\"";
            case 2 -> "null";
            case 3 -> random.nextBoolean() ? "true" : "1e308";
            case 4 -> "[" + randomJson(random, depth + 1) + "," + randomJson(random, depth + 1) + "]";
            default -> "{\"" + new String[] { "choices", "output", "delta", "content", "usage", "error", "code",
                "finish_reason" }[random.nextInt(8)] + "\":" + randomJson(random, depth + 1) + "}";
        };
    }
}
