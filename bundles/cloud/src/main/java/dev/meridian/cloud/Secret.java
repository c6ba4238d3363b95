package dev.meridian.cloud;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A credential. Its {@link #toString()} never shows it, so it cannot leak into logs, console output or exception
 * messages by accident; only {@link #reveal()} gives the value, for the one header that needs it.
 */
public final class Secret {
    private final String value;
    private final String source;
    private volatile Pattern mask;

    private Secret(String value, String source) {
        this.value = value;
        this.source = source;
    }

    /** Keys longer than this are refused (no provider issues them; a header that long is an attack). */
    static final int MAX_LENGTH = 4096;

    /**
     * A key from configuration. @throws IllegalArgumentException when it cannot be sent in an HTTP header; the
     * message says why and where, never what the key is
     */
    public static Secret configured(String value) {
        return checked(value.strip(), "configuration");
    }

    /**
     * {@code configured} if there is one, else the environment variable named {@code environmentVariable}.
     *
     * @return the secret, or {@code null} when neither is set
     * @throws IllegalArgumentException when the variable holds a key that cannot be sent (never showing it)
     */
    public static Secret resolve(Secret configured, String environmentVariable) {
        if (configured != null) {
            return configured;
        }
        if (environmentVariable != null && !environmentVariable.isBlank()) {
            String value = System.getenv(environmentVariable.strip());
            if (value != null && !value.isBlank()) {
                return checked(value.strip(), "environment variable " + environmentVariable.strip());
            }
        }
        return null;
    }

    /** Printable ASCII only: anything else (a zero-width space, a newline) makes the HTTP client echo the header. */
    private static Secret checked(String value, String source) {
        if (value.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("the API key from " + source + " is longer than " + MAX_LENGTH
                    + " characters");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x21 || c > 0x7E) {
                throw new IllegalArgumentException(String.format("the API key from %s holds a character an HTTP "
                        + "header cannot carry (U+%04X at position %d of %d); keys are printable ASCII", source,
                        (int) c, i + 1, value.length()));
            }
        }
        return new Secret(value, source);
    }

    public String reveal() {
        return value;
    }

    /**
     * {@code text} with this secret masked: as is, JSON-escaped, URL-encoded, and their lower/upper-case forms (a
     * server that echoes a key may quote, escape or percent-encode it).
     */
    public String scrub(String text) {
        if (text == null || value.isEmpty()) {
            return text;
        }
        return mask().matcher(text).replaceAll("****");
    }

    /** Every form of the key in one pattern, compiled on first use (the key never changes). */
    private Pattern mask() {
        Pattern pattern = mask;
        if (pattern == null) {
            // longest first: where one form contains another, the whole of it is masked
            pattern = Pattern.compile(String.join("|", forms().stream().distinct()
                    .sorted(java.util.Comparator.comparingInt(String::length).reversed()).map(Pattern::quote)
                    .toList()), Pattern.CASE_INSENSITIVE);
            mask = pattern;
        }
        return pattern;
    }

    private List<String> forms() {
        String json = value.replace("\\", "\\\\").replace("\"", "\\\"");
        StringBuilder unicode = new StringBuilder();
        for (char c : value.toCharArray()) {
            unicode.append(String.format("\\u%04x", (int) c));
        }
        return List.of(value, json, json.replace("/", "\\/"), unicode.toString(),
                URLEncoder.encode(value, StandardCharsets.UTF_8));
    }

    /** Where it came from, for messages: {@code configuration} or {@code environment variable X}. */
    public String source() {
        return source;
    }

    @Override
    public String toString() {
        return "****";
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Secret secret && value.equals(secret.value);
    }

    @Override
    public int hashCode() {
        return Objects.hash(value);
    }
}
