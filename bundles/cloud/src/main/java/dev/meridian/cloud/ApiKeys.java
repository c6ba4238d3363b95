package dev.meridian.cloud;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

import org.osgi.annotation.versioning.ProviderType;
import org.osgi.framework.Constants;

/**
 * The API keys of provider configurations, held apart from them: a key configured as {@code .apiKey} is taken out of
 * Configuration Admin as soon as it is stored, so {@code cm:getConfiguration}, {@code scr:info} and every other view
 * of configurations, component or service properties cannot show it. A provider asks here for the key of its
 * configuration.
 */
@ProviderType
public interface ApiKeys {
    /** The configuration property that holds a key. */
    String PROPERTY = ".apiKey";

    /**
     * The key taken from the configuration {@code pid} (its {@code service.pid}).
     *
     * @return the key, or {@code null} when that configuration holds none
     * @throws IllegalArgumentException when the configured key cannot be sent in an HTTP header (the message says
     *                                  why, never what the key is)
     */
    Secret key(String pid);

    /**
     * The key of the configuration whose component properties are {@code properties}, else the environment
     * variable's. @throws IllegalArgumentException when the key cannot be sent (never showing it)
     */
    default Secret resolve(Map<String, ?> properties, String environmentVariable) {
        return Secret.resolve(configured(properties), environmentVariable);
    }

    /** The configured key: still in {@code properties} when delivered before the vault took it out, else held here. */
    private Secret configured(Map<String, ?> properties) {
        Object leftover = properties.get(PROPERTY);
        return leftover instanceof String text && !text.isBlank() ? Secret.configured(text)
                : properties.get(Constants.SERVICE_PID) instanceof String pid ? key(pid) : null;
    }

    /**
     * Whether two configurations of a provider differ in nothing but where the key sits (in the properties, or
     * moved here) and Configuration Admin's bookkeeping: then its backend need not be rebuilt.
     */
    default boolean sameSettings(Map<String, ?> before, Map<String, ?> after) {
        return before != null && settings(before).equals(settings(after))
                && Objects.equals(keyOrProblem(before), keyOrProblem(after));
    }

    private static Map<String, List<Object>> settings(Map<String, ?> properties) {
        Map<String, List<Object>> settings = new TreeMap<>();
        properties.forEach((name, value) -> {
            if (!name.equals(PROPERTY) && !name.startsWith("felix.") && !name.startsWith("component.")) {
                settings.put(name, value instanceof Object[] array ? List.of(array) : List.of(value));
            }
        });
        return settings;
    }

    private Object keyOrProblem(Map<String, ?> properties) {
        try {
            return configured(properties);
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }
}
