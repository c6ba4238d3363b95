package dev.meridian.router;

import dev.meridian.api.routing.RegionPolicy;

/** One configured regional policy, as registered by a {@link PolicyComponent}; private to the router bundle. */
public interface PolicySource {
    /** The policy, or {@code null} while its configuration is malformed. */
    RegionPolicy policy();
}
