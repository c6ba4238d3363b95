package dev.meridian.cloud;

import java.util.Objects;

/**
 * A credential. Its {@link #toString()} never shows it, so it cannot leak into logs, console output or exception
 * messages by accident; only {@link #reveal()} gives the value, for the one header that needs it.
 */
public final class Secret {
    private final String value;
    private final String source;

    private Secret(String value, String source) {
        this.value = value;
        this.source = source;
    }

    /**
     * The configured value if there is one, else the environment variable named {@code environmentVariable}.
     *
     * @return the secret, or {@code null} when neither is set
     */
    public static Secret resolve(String configured, String environmentVariable) {
        if (configured != null && !configured.isBlank()) {
            return new Secret(configured.strip(), "configuration");
        }
        if (environmentVariable != null && !environmentVariable.isBlank()) {
            String value = System.getenv(environmentVariable.strip());
            if (value != null && !value.isBlank()) {
                return new Secret(value.strip(), "environment variable " + environmentVariable.strip());
            }
        }
        return null;
    }

    public String reveal() {
        return value;
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
