package dev.meridian.gateway;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.meridian.api.routing.ProviderStats;
import dev.meridian.api.routing.ProviderStatus;
import dev.meridian.api.routing.RegionSetting;
import dev.meridian.api.routing.Routing;

/**
 * What the operators' page shows, as JSON: the region and where it came from, its policy, every provider with its
 * settings (from metatype: values and defaults).
 */
final class OperatorStatus {
    private OperatorStatus() {
    }

    static ObjectNode of(Routing routing, ProviderSettings settings) {
        ObjectNode status = OpenAiShapes.JSON.createObjectNode();
        RegionSetting setting = routing.regionSetting();
        ObjectNode region = status.putObject("region");
        region.put("active", setting.isInvalid() ? "INVALID" : setting.region());
        region.put("source", setting.source().label());
        if (setting.problem() != null) {
            region.put("problem", setting.problem());
        }
        ArrayNode known = status.putArray("regions");
        routing.policies().keySet().stream().sorted().forEach(known::add);
        routing.activePolicy().ifPresent(policy -> {
            ObjectNode p = status.putObject("policy");
            policy.scopes().forEach(p.putArray("scopes")::add);
            policy.preference().forEach(p.putArray("preference")::add);
            policy.consentRequired().forEach(p.putArray("consent_required")::add);
            if (policy.label() != null) {
                p.put("label", policy.label());
            }
        });
        ArrayNode providers = status.putArray("providers");
        for (ProviderStatus provider : routing.providers()) {
            ObjectNode p = providers.addObject();
            p.put("id", provider.id());
            p.put("scope", provider.scope());
            p.put("allowed", provider.allowed());
            p.put("eligible", provider.eligible());
            p.put("availability", provider.availability().state().label());
            p.put("reason", provider.allowed() ? provider.availability().reason()
                    : provider.refusal() == null ? "not allowed" : provider.refusal());
            p.put("trust", provider.trust());
            p.put("bundle", provider.bundle());
            ProviderStats stats = provider.stats();
            p.put("requests", stats.requests());
            p.put("in_flight", stats.inFlight());
            p.put("errors", stats.errorCount());
            p.put("median_ms", stats.medianLatency().toMillis());
            p.put("p99_ms", stats.p99Latency().toMillis());
            p.put("tokens_per_second", Math.round(stats.tokensPerSecond() * 10) / 10.0);
            p.set("settings", settings.of(provider.serviceId()));
        }
        return status;
    }
}
