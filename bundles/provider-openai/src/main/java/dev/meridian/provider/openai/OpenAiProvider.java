package dev.meridian.provider.openai;

import java.net.URI;
import java.net.http.HttpClient;
import java.util.LinkedHashMap;
import java.util.Map;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.meridian.api.Availability;
import dev.meridian.api.ChatRequest;
import dev.meridian.api.ModelProvider;
import dev.meridian.api.ProviderProperties;
import dev.meridian.api.StreamHandle;
import dev.meridian.api.StreamListener;
import dev.meridian.cloud.ApiKeys;
import dev.meridian.cloud.ChatCompletionsDialect;
import dev.meridian.cloud.CloudBackend;
import dev.meridian.cloud.CloudSettings;
import dev.meridian.cloud.Reconfigurable;
import dev.meridian.cloud.Secret;

/**
 * The GPT-style cloud provider: OpenAI Chat Completions, streamed, at a configurable base URL (OpenAI, a
 * data-residency endpoint, or any compatible server). One instance per factory configuration of
 * {@code meridian.provider.openai}; scope {@code global} unless configured (e.g. {@code eu} for an EU
 * data-residency project). The shared timeout, retry and cool-down settings are those of {@link CloudSettings}.
 */
@Component(service = ModelProvider.class, configurationPid = "meridian.provider.openai",
        configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = OpenAiProvider.Config.class, factory = true)
@ProviderProperties(id = "openai", scope = "global", models = "gpt-4o-mini")
public final class OpenAiProvider implements ModelProvider {
    private static final Logger LOG = LoggerFactory.getLogger(OpenAiProvider.class);

    @ObjectClassDefinition(name = "Meridian OpenAI provider",
            description = "An OpenAI Chat Completions endpoint (or a compatible one)")
    @interface Config {
        @AttributeDefinition(name = "Provider id")
        String meridian_provider_id() default "openai";

        @AttributeDefinition(name = "Residency scope", description = "Where request data is processed: global, eu, ...")
        String meridian_provider_scope() default "global";

        @AttributeDefinition(name = "Models", description = "Models served; the first is the default")
        String[] meridian_provider_models() default { "gpt-4o-mini" };

        @AttributeDefinition(name = "Base URL", description = "Requests go to {base}/v1/chat/completions")
        String baseUrl() default "https://api.openai.com";

        @AttributeDefinition(name = "API key", type = AttributeType.PASSWORD, required = false)
        String _apiKey() default "";

        @AttributeDefinition(name = "API key variable", description = "Environment variable holding the key when "
                + "none is configured")
        String apiKeyEnv() default "OPENAI_API_KEY";

        @AttributeDefinition(required = false)
        String organization() default "";

        @AttributeDefinition(required = false)
        String project() default "";

        @AttributeDefinition(description = "max_tokens, or max_completion_tokens for reasoning models")
        String maxTokensField() default "max_tokens";
    }

    private final ApiKeys keys;
    private final Reconfigurable current;

    @Activate
    public OpenAiProvider(Config config, Map<String, Object> properties, @Reference ApiKeys keys) {
        this.keys = keys;
        this.current = new Reconfigurable(keys, properties, changed -> backend(config, changed));
    }

    /** A rotated key, a new timeout or endpoint applies to the next request; the provider never leaves. */
    @Modified
    void modified(Config config, Map<String, Object> properties) {
        current.modified(properties, changed -> backend(config, changed));
    }

    private CloudBackend backend(Config config, Map<String, Object> properties) {
        String id = config.meridian_provider_id();
        String scope = config.meridian_provider_scope();
        String label = id + " (" + scope + ")";
        CloudBackend built;
        try {
            URI base = CloudSettings.baseUrl("baseUrl", config.baseUrl());
            CloudSettings settings = CloudSettings.read(properties);
            String[] models = config.meridian_provider_models();
            String model = models.length > 0 ? models[0] : "gpt-4o-mini";
            if (!config.maxTokensField().equals("max_tokens") && !config.maxTokensField().equals(
                    "max_completion_tokens")) {
                throw new IllegalArgumentException("maxTokensField must be max_tokens or max_completion_tokens, was '"
                        + config.maxTokensField() + "'");
            }
            Map<String, String> headers = new LinkedHashMap<>();
            if (!config.organization().isBlank()) {
                headers.put("OpenAI-Organization", config.organization().strip());
            }
            if (!config.project().isBlank()) {
                headers.put("OpenAI-Project", config.project().strip());
            }
            Secret key = keys.resolve(properties, config.apiKeyEnv());
            URI endpoint = URI.create(base + "/v1/chat/completions");
            built = new CloudBackend(id, scope, label + " at " + base.getHost(), model, key,
                    "no API key: configure .apiKey or set " + config.apiKeyEnv(), settings,
                    timeouts -> new ChatCompletionsDialect(endpoint, key, headers, model, config.maxTokensField(),
                            timeouts),
                    "https".equals(base.getScheme()) ? HttpClient.Version.HTTP_2 : HttpClient.Version.HTTP_1_1);
            LOG.info("OpenAI provider {} active: {} , key from {}", id, endpoint, built.keySource());
        } catch (IllegalArgumentException e) {
            built = CloudBackend.misconfigured(id, scope, label, e.getMessage());
        }
        return built;
    }

    @Deactivate
    void deactivate() {
        current.backend().close();
        LOG.info("OpenAI provider {} stopped", current.backend().label());
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
