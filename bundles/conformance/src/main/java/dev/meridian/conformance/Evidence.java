package dev.meridian.conformance;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.osgi.framework.ServiceReference;

import dev.meridian.api.Completion;

/**
 * Everything a provider showed during the run, to search for its key: completions and their errors,
 * availability reasons, service properties, what was printed to standard output and error, and the log file.
 */
final class Evidence {
    private final String key;
    private final Path log;
    private final Queue<String> texts = new ConcurrentLinkedQueue<>();
    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();

    Evidence(String key, Path log) {
        this.key = key;
        this.log = log;
    }

    /** From now on, what anything prints also goes here (the kit reports on the stream it kept). */
    void capture() {
        System.setOut(tee(System.out));
        System.setErr(tee(System.err));
    }

    private PrintStream tee(PrintStream original) {
        return new PrintStream(new OutputStream() {
            @Override
            public void write(int b) {
                original.write(b);
                synchronized (printed) {
                    printed.write(b);
                }
            }

            @Override
            public void write(byte[] bytes, int offset, int length) {
                original.write(bytes, offset, length);
                synchronized (printed) {
                    printed.write(bytes, offset, length);
                }
            }
        }, true, StandardCharsets.UTF_8);
    }

    Completion completion(Recorder recorder, Duration limit) throws Exception {
        Completion completion = recorder.completion(limit);
        text(String.valueOf(completion));
        if (completion.error() != null) {
            text(completion.error().getMessage());
            text(completion.error().toString());
        }
        return completion;
    }

    void text(String text) {
        if (text != null) {
            texts.add(text);
        }
    }

    void properties(ServiceReference<?> reference) {
        for (String name : reference.getPropertyKeys()) {
            Object value = reference.getProperty(name);
            text(name + "=" + (value instanceof Object[] array ? List.of(array) : value));
        }
    }

    /** Where the key shows, as is or encoded: empty when nowhere. */
    List<String> whereTheKeyShows() throws IOException {
        Map<String, String> sources = new LinkedHashMap<>();
        sources.put("completions, errors and availability", String.join("\n", texts));
        synchronized (printed) {
            sources.put("standard output and error", printed.toString(StandardCharsets.UTF_8));
        }
        sources.put("the log (" + log + ")", Files.exists(log) ? Files.readString(log) : "");
        byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
        Map<String, String> forms = Map.of("as is", key, "URL-encoded", URLEncoder.encode(key, StandardCharsets.UTF_8),
                "in Base64", Base64.getEncoder().withoutPadding().encodeToString(bytes),
                "in URL-safe Base64", Base64.getUrlEncoder().withoutPadding().encodeToString(bytes),
                "in hex", HexFormat.of().formatHex(bytes),
                "its secret half", key.substring(key.length() / 2));
        return sources.entrySet().stream().flatMap(source -> forms.entrySet().stream()
                .filter(form -> source.getValue().contains(form.getValue()))
                .map(form -> form.getKey() + " in " + source.getKey())).toList();
    }
}
