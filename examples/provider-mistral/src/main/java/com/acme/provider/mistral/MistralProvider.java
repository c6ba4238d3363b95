package com.acme.provider.mistral;

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
 * Mistral AI's chat completions (OpenAI-compatible, at {@code https://api.mistral.ai/v1/chat/completions}), hosted
 * in the EU: scope {@code eu}, so the EU policy may route to it (see {@code meridian.policy-EU-mistral.config}).
 * Key: {@code .apiKey}, else {@code MISTRAL_API_KEY}.
 */
@Component(service = ModelProvider.class, configurationPid = "com.acme.provider.mistral",
        configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = MistralProvider.Config.class, factory = true)
@ProviderProperties(id = "mistral", scope = "eu", models = { "mistral-small-latest", "mistral-large-latest" })
public final class MistralProvider implements ModelProvider {
    /** Mistral answers errors in OpenAI's shape, so OpenAI's codes (the default) and the HTTP status map them. */
    private static final OpenAiCompatible MISTRAL = OpenAiCompatible.at("https://api.mistral.ai")
            .keyVariable("MISTRAL_API_KEY");

    @ObjectClassDefinition(name = "Mistral AI provider", description = "Mistral AI's EU-hosted chat completions")
    interface Config extends CloudConfig {
    }

    private final Reconfigurable current;

    @Activate
    public MistralProvider(Map<String, Object> properties, @Reference ApiKeys keys) {
        current = new Reconfigurable(keys, properties, changed -> MISTRAL.backend(changed, keys));
    }

    @Modified
    void modified(Map<String, Object> properties) {
        current.modified(properties);
    }

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
