package dev.meridian.gateway;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import dev.meridian.api.ChatRequest;
import dev.meridian.api.routing.ProviderStatus;
import dev.meridian.api.routing.Routing;

/**
 * What the {@code model} field names: {@code meridian} (the region chooses), {@code PROVIDER-ID/MODEL}, or a model
 * some provider serves. Naming a model never widens what the region allows: the router still applies its policy,
 * so a model outside the region is refused there (503 region_blocked), not here. A name served a moment ago but
 * not now (its provider is being updated) goes to the router too, which waits for the provider's next revision:
 * a swap must not turn into 404s.
 */
final class ModelNames {
    static final String ROUTED = "meridian";
    /** How long a name stays known after its provider left (the router's swap wait is seconds). */
    private static final long REMEMBERED_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final Routing routing;
    /** Each provider id seen, with its models and when it was last listed (looked at only for a name not served). */
    private final Map<String, Seen> seen = new ConcurrentHashMap<>();

    private record Seen(List<String> models, long nanos) {
    }

    ModelNames(Routing routing) {
        this.routing = routing;
    }

    ChatRequest resolve(String model, ChatRequest request) throws ApiError {
        if (model.equals(ROUTED)) {
            return request;
        }
        List<ProviderStatus> providers = routing.providers();
        remember(providers);
        int slash = model.indexOf('/');
        if (slash > 0) {
            String id = model.substring(0, slash);
            String name = model.substring(slash + 1);
            for (ProviderStatus provider : providers) {
                if (provider.id().equals(id)) {
                    if (!name.isEmpty() && !provider.models().isEmpty() && !provider.models().contains(name)) {
                        throw notFound(model, "provider " + id + " serves " + provider.models());
                    }
                    return request.withProvider(id).withModel(name.isEmpty() ? null : name);
                }
            }
        }
        for (ProviderStatus provider : providers) {
            if (provider.models().contains(model)) {
                return request.withModel(model);
            }
        }
        if (recentlyServed(model)) {
            return slash > 0 ? request.withProvider(model.substring(0, slash)).withModel(
                    slash + 1 < model.length() ? model.substring(slash + 1) : null) : request.withModel(model);
        }
        throw notFound(model, "no provider serves it; GET /v1/models lists what the region allows");
    }

    private void remember(List<ProviderStatus> providers) {
        long now = System.nanoTime();
        for (ProviderStatus provider : providers) {
            seen.put(provider.id(), new Seen(provider.models(), now));
        }
        if (seen.size() > 1_000) { // providers come and go for years: forget what left long ago
            seen.values().removeIf(s -> now - s.nanos() > REMEMBERED_NANOS);
        }
    }

    /** Whether {@code model} ({@code PROVIDER/MODEL}, {@code PROVIDER/} or a model) was served a moment ago. */
    private boolean recentlyServed(String model) {
        long now = System.nanoTime();
        int slash = model.indexOf('/');
        if (slash > 0) {
            Seen provider = seen.get(model.substring(0, slash));
            String name = model.substring(slash + 1);
            return provider != null && now - provider.nanos() < REMEMBERED_NANOS
                    && (name.isEmpty() || provider.models().isEmpty() || provider.models().contains(name));
        }
        return seen.values().stream()
                .anyMatch(s -> now - s.nanos() < REMEMBERED_NANOS && s.models().contains(model));
    }

    /** The models clients may use now: {@code meridian}, then each model of an eligible provider, once. */
    Map<String, String> available() {
        Map<String, String> owners = new LinkedHashMap<>();
        owners.put(ROUTED, "meridian");
        for (ProviderStatus provider : routing.providers()) {
            if (provider.eligible()) {
                for (String name : provider.models()) {
                    owners.putIfAbsent(name, provider.id());
                }
            }
        }
        return owners;
    }

    private static ApiError notFound(String model, String why) {
        return new ApiError(404, "invalid_request_error", "model_not_found", "model",
                "The model '" + model + "' does not exist: " + why, 0);
    }
}
