package dev.meridian.provider.dashscope;

import java.net.URI;
import java.net.http.HttpClient;
import java.util.List;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
            description = "Qwen models on Alibaba Cloud DashScope (Model Studio); the scope must match the deployment "
                    + "region: cn-beijing => cn-mainland, ap-southeast-1 => intl, us-east-1 => us")
    interface Config extends CloudConfig {
        @AttributeDefinition(name = "Deployment region", defaultValue = "cn-beijing", options = {
                @Option(value = "cn-beijing", label = "Mainland China (Beijing)"),
                @Option(value = "ap-southeast-1", label = "International (Singapore)"),
                @Option(value = "us-east-1", label = "United States (Virginia)") })
        String deploymentRegion();

        @AttributeDefinition(name = "API mode", defaultValue = "native", options = {
                @Option(value = "native", label = "Native API"),
                @Option(value = "compatible", label = "OpenAI-compatible mode") })
        String mode();
    }

    private final Reconfigurable current;

    @Activate
    public DashScopeProvider(Map<String, Object> properties, @Reference ApiKeys keys) {
        this.current = new Reconfigurable(keys, properties, changed -> backend(changed, keys));
    }

    /** A rotated key, a new timeout or endpoint applies to the next request; the provider never leaves. */
    @Modified
    void modified(Map<String, Object> properties) {
        current.modified(properties);
    }

    private static CloudBackend backend(Map<String, Object> properties, ApiKeys keys) {
        String id = CloudSettings.text(properties, ProviderProperties.ID, "dashscope-cn");
        String scope = CloudSettings.text(properties, ProviderProperties.SCOPE, "cn-mainland");
        String regionName = CloudSettings.text(properties, "deploymentRegion", "cn-beijing");
        String label = id + " (" + regionName + ")";
        try {
            DeploymentRegion region = DeploymentRegion.of(regionName);
            if (!region.scope.equals(scope)) {
                throw new IllegalArgumentException("scope " + scope + " contradicts deployment region " + region.id
                        + ", whose requests are processed in scope " + region.scope);
            }
            URI host = CloudSettings.baseUrl("baseUrl", CloudSettings.text(properties, "baseUrl", region.host));
            String mode = CloudSettings.text(properties, "mode", "native");
            if (mode.equals("compatible")) {
                return OpenAiCompatible.at(host.toString()).path("/compatible-mode/v1/chat/completions")
                        .keyVariable("DASHSCOPE_API_KEY").codes(DashScopeCodes.CODES).region(region.id).backend(properties, keys);
            }
            if (!mode.equals("native")) {
                throw new IllegalArgumentException("mode must be native or compatible, was '" + mode + "'");
            }
            CloudSettings settings = CloudSettings.read(properties);
            List<String> models = CloudSettings.texts(properties, ProviderProperties.MODELS);
            String model = models.isEmpty() ? "qwen-plus" : models.get(0);
            String variable = CloudSettings.text(properties, "apiKeyEnv", "DASHSCOPE_API_KEY");
            Secret key = keys.resolve(properties, variable);
            CloudBackend built = new CloudBackend(id, scope, label, model, key,
                    "no API key for " + region.id + ": configure .apiKey or set " + variable, settings,
                    timeouts -> new NativeDialect(host, key, model, timeouts),
                    "https".equals(host.getScheme()) ? HttpClient.Version.HTTP_2 : HttpClient.Version.HTTP_1_1);
            LOG.info("DashScope provider {} active: {} (native API), key from {}", id, host, built.keySource());
            return built;
        } catch (IllegalArgumentException e) {
            return CloudBackend.misconfigured(id, scope, label, e.getMessage());
        }
    }

    @Deactivate
    void deactivate() {
        current.close();
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
