package com.example.provider;

import java.util.Map;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import dev.meridian.api.Availability;
import dev.meridian.api.ChatRequest;
import dev.meridian.api.ModelProvider;
import dev.meridian.api.ProviderProperties;
import dev.meridian.api.StreamHandle;
import dev.meridian.api.StreamListener;
import dev.meridian.cloud.ApiKeys;
import dev.meridian.cloud.CloudConfig;
import dev.meridian.cloud.OpenAiCompatible;
import dev.meridian.cloud.Reconfigurable;

/**
 * A provider for an OpenAI-compatible endpoint. One instance per factory configuration of
 * {@code com.example.provider}: its id, scope and models ({@code meridian.provider.*}), {@code baseUrl}, the key
 * ({@code .apiKey}, taken into Meridian's key vault, or the variable {@code EXAMPLE_API_KEY}) and every timeout
 * and retry setting of {@link CloudConfig}. Meridian streams, retries, times out and cancels.
 */
@Component(service = ModelProvider.class, configurationPid = "com.example.provider",
        configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = ExampleProvider.Config.class, factory = true)
@ProviderProperties(id = "example", scope = "global", models = "example-model")
public final class ExampleProvider implements ModelProvider {
    /** The endpoint and where its key comes from when the configuration holds none. */
    private static final OpenAiCompatible ENDPOINT = OpenAiCompatible.at("https://api.example.com")
            .keyVariable("EXAMPLE_API_KEY");

    @ObjectClassDefinition(name = "Example provider", description = "An OpenAI-compatible endpoint")
    interface Config extends CloudConfig {
    }

    private final Reconfigurable current;

    @Activate
    public ExampleProvider(Map<String, Object> properties, @Reference ApiKeys keys) {
        current = new Reconfigurable(keys, properties, changed -> ENDPOINT.backend(changed, keys));
    }

    /** A new key, endpoint or timeout applies to the next request; the provider never leaves. */
    @Modified
    void modified(Map<String, Object> properties) {
        current.modified(properties);
    }

    /** Lets the streams in flight finish (for the configured drain time), then stops. */
    @Deactivate
    void deactivate() {
        current.close();
    }

    @Override
    public Availability availability() {
        return current.backend().availability();
    }

    @Override
    public StreamHandle stream(ChatRequest request, StreamListener listener) {
        return current.backend().stream(request, listener);
    }
}
