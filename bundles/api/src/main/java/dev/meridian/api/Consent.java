package dev.meridian.api;

import java.time.Instant;
import java.util.Objects;

/**
 * The user's consent that let a request's data leave the device for a residency scope.
 *
 * @param scope     the scope consented to, e.g. {@code global}
 * @param grantedAt when the user granted it
 */
public record Consent(String scope, Instant grantedAt) {
    public Consent {
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(grantedAt, "grantedAt");
    }

    @Override
    public String toString() {
        return scope + " granted " + grantedAt;
    }
}
