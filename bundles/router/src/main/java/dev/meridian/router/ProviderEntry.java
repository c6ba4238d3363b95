package dev.meridian.router;

import java.util.List;
import java.util.Objects;

import dev.meridian.api.ModelProvider;

/**
 * One registered provider service, with the properties the router orders by and the signature of the bundle that
 * registered it (what trust is decided on).
 */
public record ProviderEntry(ModelProvider provider, String id, String scope, List<String> models, int ranking,
        long serviceId, String bundle, BundleSignature signature) {

    public ProviderEntry {
        models = List.copyOf(models);
        Objects.requireNonNull(signature, "signature");
    }

    /** The same entry without the provider object (which would keep its bundle's class loader reachable). */
    ProviderEntry withoutProvider() {
        return new ProviderEntry(null, id, scope, models, ranking, serviceId, bundle, signature);
    }

    /** Whether it can serve {@code model}: any model when it lists none, or the requested one is listed. */
    boolean serves(String model) {
        return model == null || models.isEmpty() || models.contains(model);
    }
}
