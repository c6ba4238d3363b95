package dev.meridian.provider.dashscope;

import java.net.URI;
import java.net.http.HttpClient;
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
import org.osgi.service.metatype.annotations.Option;
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
 * The Qwen-style cloud provider: Alibaba Cloud DashScope (Model Studio), through its native text-generation API or
 * its OpenAI-compatible mode. The deployment region picks the endpoint and fixes the residency scope: a configured
 * scope that contradicts the region is refused (the provider reports itself failed rather than mislabel where data
 * goes). Qwen options {@code enable_thinking}, {@code thinking_budget} and {@code enable_search} come from the
 * request's extra options; reasoning arrives as reasoning deltas.
 */
@Component(service = ModelProvider.class, configurationPid = "meridian.provider.dashscope",
        configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = DashScopeProvider.Config.class, factory = true)
@ProviderProperties(id = "dashscope-cn", scope = "cn-mainland", models = "qwen-plus")
public final class DashScopeProvider implements ModelProvider {
    private static final Logger LOG = LoggerFactory.getLogger(DashScopeProvider.class);

    @ObjectClassDefinition(name = "Meridian DashScope provider",
            description = "Qwen models on Alibaba Cloud DashScope (Model Studio)")
    @interface Config {
        @AttributeDefinition(name = "Provider id")
        String meridian_provider_id() default "dashscope-cn";

        @AttributeDefinition(name = "Residency scope", description = "Must match the deployment region: cn-beijing "
                + "=> cn-mainland, ap-southeast-1 => intl, us-east-1 => us")
        String meridian_provider_scope() default "cn-mainland";

        @AttributeDefinition(name = "Models", description = "Models served; the first is the default")
        String[] meridian_provider_models() default { "qwen-plus" };

        @AttributeDefinition(name = "Deployment region", options = {
                @Option(value = "cn-beijing", label = "Mainland China (Beijing)"),
                @Option(value = "ap-southeast-1", label = "International (Singapore)"),
                @Option(value = "us-east-1", label = "United States (Virginia)") })
        String deploymentRegion() default "cn-beijing";

        @AttributeDefinition(name = "Base URL", required = false,
                description = "Overrides the region's endpoint (a proxy, or a test server)")
        String baseUrl() default "";

        @AttributeDefinition(name = "API mode", options = { @Option(value = "native", label = "Native API"),
                @Option(value = "compatible", label = "OpenAI-compatible mode") })
        String mode() default "native";

        @AttributeDefinition(name = "API key", type = AttributeType.PASSWORD, required = false)
        String _apiKey() default "";

        @AttributeDefinition(name = "API key variable")
        String apiKeyEnv() default "DASHSCOPE_API_KEY";
    }

    private final ApiKeys keys;
    private final Reconfigurable current;

    @Activate
    public DashScopeProvider(Config config, Map<String, Object> properties, @Reference ApiKeys keys) {
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
        String label = id + " (" + config.deploymentRegion() + ")";
        CloudBackend built;
        try {
            DeploymentRegion region = DeploymentRegion.of(config.deploymentRegion());
            if (!region.scope.equals(scope)) {
                throw new IllegalArgumentException("scope " + scope + " contradicts deployment region " + region.id
                        + ", whose requests are processed in scope " + region.scope);
            }
            URI host = CloudSettings.baseUrl("baseUrl", config.baseUrl().isBlank() ? region.host : config.baseUrl());
            CloudSettings settings = CloudSettings.read(properties);
            String[] models = config.meridian_provider_models();
            String model = models.length > 0 ? models[0] : "qwen-plus";
            Secret key = keys.resolve(properties, config.apiKeyEnv());
            String mode = config.mode().strip();
            if (!mode.equals("native") && !mode.equals("compatible")) {
                throw new IllegalArgumentException("mode must be native or compatible, was '" + mode + "'");
            }
            built = new CloudBackend(id, scope, label, model, key,
                    "no API key for " + region.id + ": configure .apiKey or set " + config.apiKeyEnv(), settings,
                    timeouts -> mode.equals("native") ? new NativeDialect(host, key, model, timeouts)
                            : new ChatCompletionsDialect(URI.create(host + "/compatible-mode/v1/chat/completions"),
                                    key, Map.of(), model, "max_tokens", timeouts),
                    "https".equals(host.getScheme()) ? HttpClient.Version.HTTP_2 : HttpClient.Version.HTTP_1_1);
            LOG.info("DashScope provider {} active: {} ({} API), key from {}", id, host, mode, built.keySource());
        } catch (IllegalArgumentException e) {
            built = CloudBackend.misconfigured(id, scope, label, e.getMessage());
        }
        return built;
    }

    @Deactivate
    void deactivate() {
        current.backend().close();
        LOG.info("DashScope provider {} stopped", current.backend().label());
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
