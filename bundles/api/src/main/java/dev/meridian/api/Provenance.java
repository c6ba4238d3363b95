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
 */
public record Provenance(String providerId, String model, String region, String scope, int attempts,
        Duration latency, Duration timeToFirstToken, Usage usage) {

    public Provenance {
        usage = usage == null ? Usage.NONE : usage;
        latency = latency == null ? Duration.ZERO : latency;
    }

    public Provenance withRegion(String value) {
        return new Provenance(providerId, model, value, scope, attempts, latency, timeToFirstToken, usage);
    }

    public Provenance withAttempts(int value) {
        return new Provenance(providerId, model, region, scope, value, latency, timeToFirstToken, usage);
    }

    public Provenance withLatency(Duration total, Duration firstToken) {
        return new Provenance(providerId, model, region, scope, attempts, total, firstToken, usage);
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
                + " tokens=" + usage.promptTokens() + "+" + usage.completionTokens();
    }
}
