package dev.meridian.conformance;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Dictionary;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.felix.cm.file.ConfigurationHandler;

/**
 * The command line: {@code BUNDLE.jar [--pid FACTORY-PID] [--trust TRUST.config] [--wire openai|dashscope]
 * [CONFIG...]}, where each CONFIG is
 * {@code name=value} (a whole number, {@code true}/{@code false}, {@code [a,b]} for several values, else text) or a
 * configuration file ({@code .config}, Felix's format, as in {@code runtime/conf/}).
 */
record KitArguments(Path bundle, String pid, Path trust, KitWire wire, Map<String, Object> config) {

    static KitArguments parse(List<String> args) throws IOException {
        if (args.isEmpty() || args.get(0).isBlank()) {
            throw new IllegalArgumentException("no bundle: meridian-conformance BUNDLE.jar [--pid PID] "
                    + "[--trust TRUST.config] [--wire openai|dashscope] [name=value | FILE.config ...]");
        }
        Path bundle = Path.of(args.get(0)).toAbsolutePath();
        if (!Files.isRegularFile(bundle)) {
            throw new IllegalArgumentException("no such bundle: " + bundle);
        }
        String pid = null;
        Path trust = null;
        KitWire wire = KitWire.named("openai");
        Map<String, Object> config = new LinkedHashMap<>();
        for (int i = 1; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.equals("--pid") || arg.equals("--trust") || arg.equals("--wire")) {
                if (i + 1 >= args.size()) {
                    throw new IllegalArgumentException(arg + " needs a value");
                }
                String value = args.get(++i);
                switch (arg) {
                    case "--pid" -> pid = value;
                    case "--wire" -> wire = KitWire.named(value);
                    default -> trust = existing(value);
                }
            } else if (arg.contains("=")) {
                int equals = arg.indexOf('=');
                config.put(arg.substring(0, equals).strip(), value(arg.substring(equals + 1).strip()));
            } else if (arg.endsWith(".config")) {
                config.putAll(read(existing(arg)));
            } else {
                throw new IllegalArgumentException("'" + arg + "' is neither name=value nor a .config file");
            }
        }
        return new KitArguments(bundle, pid, trust, wire, config);
    }

    /** A configuration file in Felix's format. */
    static Map<String, Object> read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            @SuppressWarnings("unchecked")
            Dictionary<String, Object> read = ConfigurationHandler.read(in);
            Map<String, Object> properties = new LinkedHashMap<>();
            for (String name : Collections.list(read.keys())) {
                properties.put(name, read.get(name));
            }
            return properties;
        } catch (IOException e) {
            throw new IllegalArgumentException(file + " is not a configuration file: " + e.getMessage());
        }
    }

    private static Path existing(String name) {
        Path path = Path.of(name).toAbsolutePath();
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException("no such file: " + path);
        }
        return path;
    }

    private static Object value(String text) {
        if (text.matches("-?\\d{1,18}")) {
            return Long.parseLong(text);
        }
        if (text.equals("true") || text.equals("false")) {
            return Boolean.parseBoolean(text);
        }
        if (text.startsWith("[") && text.endsWith("]")) {
            String inner = text.substring(1, text.length() - 1).strip();
            return inner.isEmpty() ? new String[0]
                    : java.util.Arrays.stream(inner.split(",")).map(String::strip).toArray(String[]::new);
        }
        return text;
    }
}
