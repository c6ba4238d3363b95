package dev.meridian.api;

import java.time.Duration;

/**
 * Who answered a request and where its data was processed. Ends every response and every stream, failed ones
 * included, so an application can always tell.
 *
 * @param providerId       id of the provider that served (or last tried) the request; {@code null} if none was tried
 * @param model            the model that answered, as the provider names it
 * @param region           the regional policy the request was routed under (set by the router)
 * @param scope            the residency scope of the provider: where the request data was processed
 * @param attempts         how many tries it took: providers tried by the router plus the provider's own retries
 * @param latency          from submit to the end of the stream
 * @param timeToFirstToken from submit to the first delta, or {@code null} if none arrived
 * @param usage            token counts
 * @param consent          the user's consent that let the data leave the device, where the region's policy asked for
 *                         one (set by the router); else {@code null}
 */
public record Provenance(String providerId, String model, String region, String scope, int attempts,
        Duration latency, Duration timeToFirstToken, Usage usage, Consent consent) {

    public Provenance {
        usage = usage == null ? Usage.NONE : usage;
        latency = latency == null ? Duration.ZERO : latency;
    }

    /** Provenance without a consent, as providers report it. */
    public Provenance(String providerId, String model, String region, String scope, int attempts, Duration latency,
            Duration timeToFirstToken, Usage usage) {
        this(providerId, model, region, scope, attempts, latency, timeToFirstToken, usage, null);
    }

    /** The provenance of a request that no provider served (yet). */
    public static Provenance none(String model) {
        return new Provenance(null, model, null, null, 0, null, null, null, null);
    }

    public Provenance withRegion(String value) {
        return new Provenance(providerId, model, value, scope, attempts, latency, timeToFirstToken, usage, consent);
    }

    public Provenance withAttempts(int value) {
        return new Provenance(providerId, model, region, scope, value, latency, timeToFirstToken, usage, consent);
    }

    public Provenance withLatency(Duration total, Duration firstToken) {
        return new Provenance(providerId, model, region, scope, attempts, total, firstToken, usage, consent);
    }

    /** The same provenance naming {@code id} and {@code where} as who served it. */
    public Provenance withProvider(String id, String where) {
        return new Provenance(id, model, region, where, attempts, latency, timeToFirstToken, usage, consent);
    }

    public Provenance withConsent(Consent value) {
        return new Provenance(providerId, model, region, scope, attempts, latency, timeToFirstToken, usage, value);
    }

    private static String orDash(String value) {
        return value == null ? "-" : value;
    }

    @Override
    public String toString() {
        return "provider=" + orDash(providerId) + " model=" + orDash(model) + " region=" + orDash(region) + " scope="
                + orDash(scope)
                + " attempts=" + attempts + " latency=" + latency.toMillis() + "ms"
                + (timeToFirstToken == null ? "" : " first-token=" + timeToFirstToken.toMillis() + "ms")
                + " tokens=" + usage.promptTokens() + "+" + usage.completionTokens()
                + (consent == null ? "" : " consent=" + consent.scope() + "@" + consent.grantedAt());
    }
}
