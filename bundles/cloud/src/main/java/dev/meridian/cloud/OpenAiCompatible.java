package dev.meridian.cloud;

import java.net.URI;
import java.net.http.HttpClient;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.meridian.api.ProviderProperties;

/**
 * Builds the backend of an OpenAI-compatible endpoint (Chat Completions, streamed) from a provider's component
 * properties: {@code meridian.provider.id}, {@code .scope}, {@code .models} (the first is the default model),
 * {@code baseUrl}, the key ({@code .apiKey}, else the variable {@code apiKeyEnv}) and {@link CloudSettings}. A
 * configuration it cannot use gives a {@linkplain CloudBackend#misconfigured misconfigured} backend that says why.
 * Immutable:
 * <pre>
 * static final OpenAiCompatible ENDPOINT = OpenAiCompatible.at("https://api.example.com").keyVariable("EXAMPLE_API_KEY");
 * </pre>
 */
public final class OpenAiCompatible {
    private static final Logger LOG = LoggerFactory.getLogger(OpenAiCompatible.class);

    private final String baseUrl;
    private final String path;
    private final String keyVariable;
    private final VendorCodes codes;
    private final Map<String, String> headers;
    private final String maxTokensField;
    private final String region;

    private OpenAiCompatible(String baseUrl, String path, String keyVariable, VendorCodes codes,
            Map<String, String> headers, String maxTokensField, String region) {
        this.baseUrl = baseUrl;
        this.path = path;
        this.keyVariable = keyVariable;
        this.codes = codes;
        this.headers = Map.copyOf(headers);
        this.maxTokensField = maxTokensField;
        this.region = region;
    }

    /** An endpoint whose base URL is {@code baseUrl} unless configured; requests go to {base}/v1/chat/completions. */
    public static OpenAiCompatible at(String baseUrl) {
        return new OpenAiCompatible(baseUrl, "/v1/chat/completions", "", VendorCodes.OPENAI, Map.of(), "max_tokens",
                null);
    }

    /** The path after the base URL, e.g. {@code /compatible-mode/v1/chat/completions}. */
    public OpenAiCompatible path(String chatCompletionsPath) {
        return new OpenAiCompatible(baseUrl, chatCompletionsPath, keyVariable, codes, headers, maxTokensField, region);
    }

    /** The environment variable that holds the key when neither {@code .apiKey} nor {@code apiKeyEnv} is set. */
    public OpenAiCompatible keyVariable(String variable) {
        return new OpenAiCompatible(baseUrl, path, variable, codes, headers, maxTokensField, region);
    }

    /** The vendor's error codes (default {@link VendorCodes#OPENAI}). */
    public OpenAiCompatible codes(VendorCodes vendorCodes) {
        return new OpenAiCompatible(baseUrl, path, keyVariable, vendorCodes, headers, maxTokensField, region);
    }

    /** One more header on every request (never the credential: that goes as {@code Authorization: Bearer}). */
    public OpenAiCompatible header(String name, String value) {
        Map<String, String> more = new LinkedHashMap<>(headers);
        more.put(name, value);
        return new OpenAiCompatible(baseUrl, path, keyVariable, codes, more, maxTokensField, region);
    }

    /** {@code max_tokens} (the default) or {@code max_completion_tokens} (OpenAI's reasoning models). */
    public OpenAiCompatible maxTokensField(String field) {
        if (!field.equals("max_tokens") && !field.equals("max_completion_tokens")) {
            throw new IllegalArgumentException("maxTokensField must be max_tokens or max_completion_tokens, was '"
                    + field + "'");
        }
        return new OpenAiCompatible(baseUrl, path, keyVariable, codes, headers, field, region);
    }

    /** The endpoint's region, named in messages with the provider id (default: the residency scope). */
    public OpenAiCompatible region(String name) {
        return new OpenAiCompatible(baseUrl, path, keyVariable, codes, headers, maxTokensField, name);
    }

    /** The backend these properties configure; never throws (a bad configuration gives a misconfigured one). */
    public CloudBackend backend(Map<String, Object> properties, ApiKeys keys) {
        String id = CloudSettings.text(properties, ProviderProperties.ID, "unnamed");
        String scope = CloudSettings.text(properties, ProviderProperties.SCOPE, "unknown");
        String label = id + " (" + (region == null ? scope : region) + ")";
        try {
            URI base = CloudSettings.baseUrl("baseUrl", CloudSettings.text(properties, "baseUrl", baseUrl));
            List<String> models = CloudSettings.texts(properties, ProviderProperties.MODELS);
            if (models.isEmpty()) {
                throw new IllegalArgumentException(ProviderProperties.MODELS + " must name at least one model");
            }
            String variable = CloudSettings.text(properties, "apiKeyEnv", keyVariable);
            Secret key = keys.resolve(properties, variable.isEmpty() ? null : variable);
            CloudSettings settings = CloudSettings.read(properties);
            URI endpoint = URI.create(base + path);
            CloudBackend built = new CloudBackend(id, scope, label + " at " + base.getHost(), models.get(0), key,
                    "no API key: configure .apiKey" + (variable.isEmpty() ? "" : " or set " + variable), settings,
                    timeouts -> new ChatCompletionsDialect(endpoint, key, headers, models.get(0), maxTokensField,
                            timeouts, codes),
                    "https".equals(base.getScheme()) ? HttpClient.Version.HTTP_2 : HttpClient.Version.HTTP_1_1);
            LOG.info("Provider {} active: {} , key from {}", id, endpoint, built.keySource());
            return built;
        } catch (IllegalArgumentException e) {
            return CloudBackend.misconfigured(id, scope, label, e.getMessage());
        }
    }
}
