package dev.meridian.cloud;

import java.util.Map;
import java.util.function.Function;

/**
 * A cloud provider's current backend across configuration changes. A changed configuration (a rotated key, a new
 * timeout or endpoint) builds a new backend that takes the next request, with no moment where the provider is
 * missing; the old one finishes what it serves, then closes. A change only in where the key sits (moved out of the
 * stored configuration by the key vault) keeps the backend, and its health.
 */
public final class Reconfigurable {
    private final ApiKeys keys;
    private final Function<Map<String, Object>, CloudBackend> build;
    private volatile CloudBackend backend;
    private Map<String, Object> applied; // guarded by this: the properties the backend was built from

    /** @param build makes a backend from component properties; never throws (a bad one is misconfigured) */
    public Reconfigurable(ApiKeys keys, Map<String, Object> properties,
            Function<Map<String, Object>, CloudBackend> build) {
        this.keys = keys;
        this.build = build;
        this.applied = properties;
        this.backend = build.apply(properties);
    }

    /** For the provider's {@code @Modified}: a backend of the new configuration takes the next request. */
    public synchronized void modified(Map<String, Object> properties) {
        if (keys.sameSettings(applied, properties)) {
            return;
        }
        CloudBackend old = backend;
        applied = properties;
        backend = build.apply(properties);
        old.retire();
    }

    public CloudBackend backend() {
        return backend;
    }

    /** For the provider's {@code @Deactivate}: drains what is in flight for the drain time, then closes. */
    public void close() {
        backend.close();
    }
}
