package dev.meridian.provider.openai;

import java.util.Map;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

import dev.meridian.api.Availability;
import dev.meridian.api.ChatRequest;
import dev.meridian.api.ModelProvider;
import dev.meridian.api.ProviderProperties;
import dev.meridian.api.StreamHandle;
import dev.meridian.api.StreamListener;
import dev.meridian.cloud.ApiKeys;
import dev.meridian.cloud.CloudBackend;
import dev.meridian.cloud.CloudConfig;
import dev.meridian.cloud.CloudSettings;
import dev.meridian.cloud.OpenAiCompatible;
import dev.meridian.cloud.Reconfigurable;

/**
 * The GPT-style cloud provider: OpenAI Chat Completions, streamed, at a configurable base URL (OpenAI, a
 * data-residency endpoint, or any compatible server). One instance per factory configuration of
 * {@code meridian.provider.openai}; scope {@code global} unless configured (e.g. {@code eu} for an EU
 * data-residency project).
 */
@Component(service = ModelProvider.class, configurationPid = "meridian.provider.openai",
        configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = OpenAiProvider.Config.class, factory = true)
@ProviderProperties(id = "openai", scope = "global", models = "gpt-4o-mini")
public final class OpenAiProvider implements ModelProvider {
    private static final OpenAiCompatible OPENAI = OpenAiCompatible.at("https://api.openai.com")
            .keyVariable("OPENAI_API_KEY");

    @ObjectClassDefinition(name = "Meridian OpenAI provider",
            description = "An OpenAI Chat Completions endpoint (or a compatible one)")
    interface Config extends CloudConfig {
        @AttributeDefinition(required = false, description = "Sent as OpenAI-Organization")
        String organization();

        @AttributeDefinition(required = false, description = "Sent as OpenAI-Project")
        String project();

        @AttributeDefinition(defaultValue = "max_tokens", options = { @Option(value = "max_tokens", label = "max_tokens"),
                @Option(value = "max_completion_tokens", label = "max_completion_tokens (reasoning models)") })
        String maxTokensField();
    }

    private final Reconfigurable current;

    @Activate
    public OpenAiProvider(Map<String, Object> properties, @Reference ApiKeys keys) {
        this.current = new Reconfigurable(keys, properties, changed -> backend(changed, keys));
    }

    /** A rotated key, a new timeout or endpoint applies to the next request; the provider never leaves. */
    @Modified
    void modified(Map<String, Object> properties) {
        current.modified(properties);
    }

    private static CloudBackend backend(Map<String, Object> properties, ApiKeys keys) {
        OpenAiCompatible endpoint = OPENAI;
        String organization = CloudSettings.text(properties, "organization", "");
        if (!organization.isEmpty()) {
            endpoint = endpoint.header("OpenAI-Organization", organization);
        }
        String project = CloudSettings.text(properties, "project", "");
        if (!project.isEmpty()) {
            endpoint = endpoint.header("OpenAI-Project", project);
        }
        try {
            endpoint = endpoint.maxTokensField(CloudSettings.text(properties, "maxTokensField", "max_tokens"));
        } catch (IllegalArgumentException e) {
            return CloudBackend.misconfigured(CloudSettings.text(properties, ProviderProperties.ID, "openai"),
                    CloudSettings.text(properties, ProviderProperties.SCOPE, "global"), "OpenAI provider",
                    e.getMessage());
        }
        return endpoint.backend(properties, keys);
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
