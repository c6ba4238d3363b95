package dev.meridian.cloud;

import org.osgi.annotation.versioning.ConsumerType;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;

/**
 * What every cloud provider's configuration holds, for metatype: a provider's object class definition extends this
 * interface, so operators see every endpoint, key, timeout and retry setting with its default
 * ({@code @ObjectClassDefinition interface Config extends CloudConfig {}}). Providers read the values with
 * {@link CloudSettings#read} and {@link OpenAiCompatible}, which apply the same defaults.
 */
@ConsumerType
public interface CloudConfig {
    @AttributeDefinition(name = "Provider id", description = "Unique among providers; the routing preference and "
            + "the console name it")
    String meridian_provider_id();

    @AttributeDefinition(name = "Residency scope", description = "Where request data is processed (global, eu, "
            + "cn-mainland, ...); the provider serves only where the region allows it and its signer is trusted for it")
    String meridian_provider_scope();

    @AttributeDefinition(name = "Models", description = "Models served; the first is the default")
    String[] meridian_provider_models();

    @AttributeDefinition(name = "Base URL", required = false, description = "The endpoint's http(s) base URL")
    String baseUrl();

    @AttributeDefinition(name = "API key", type = AttributeType.PASSWORD, required = false,
            description = "Moved out of the configuration into the key vault as soon as it is stored")
    String _apiKey();

    @AttributeDefinition(name = "API key variable", required = false,
            description = "Environment variable holding the key when none is configured")
    String apiKeyEnv();

    @AttributeDefinition(name = "Connect timeout (ms)", defaultValue = CloudSettings.CONNECT_TIMEOUT_MS, min = "1")
    long connectTimeoutMs();

    @AttributeDefinition(name = "First-token timeout (ms)", defaultValue = CloudSettings.FIRST_TOKEN_TIMEOUT_MS,
            min = "1", description = "From sending the request to the first delta")
    long firstTokenTimeoutMs();

    @AttributeDefinition(name = "Idle timeout (ms)", defaultValue = CloudSettings.IDLE_TIMEOUT_MS, min = "1",
            description = "The longest gap between two chunks of a stream")
    long idleTimeoutMs();

    @AttributeDefinition(name = "Total timeout (ms)", defaultValue = CloudSettings.TOTAL_TIMEOUT_MS, min = "1")
    long totalTimeoutMs();

    @AttributeDefinition(name = "Attempts", defaultValue = CloudSettings.MAX_ATTEMPTS, min = "1", max = "10",
            description = "Tries in all before the first token, for retryable failures (408, 409, 429, 5xx, drops)")
    int maxAttempts();

    @AttributeDefinition(name = "Retry base delay (ms)", defaultValue = CloudSettings.RETRY_BASE_MS, min = "1")
    long retryBaseMs();

    @AttributeDefinition(name = "Retry maximum delay (ms)", defaultValue = CloudSettings.RETRY_MAX_MS, min = "1")
    long retryMaxMs();

    @AttributeDefinition(name = "Longest server-requested wait (ms)", defaultValue = CloudSettings.MAX_SERVER_WAIT_MS,
            min = "1", description = "A longer Retry-After is not waited for: the router may try another provider")
    long maxServerWaitMs();

    @AttributeDefinition(name = "Quota cool-down (ms)", defaultValue = CloudSettings.QUOTA_COOL_DOWN_MS, min = "1")
    long quotaCoolDownMs();

    @AttributeDefinition(name = "Rejected-key cool-down (ms)", defaultValue = CloudSettings.AUTH_COOL_DOWN_MS,
            min = "1")
    long authCoolDownMs();

    @AttributeDefinition(name = "Unreachable cool-down (ms)", defaultValue = CloudSettings.UNREACHABLE_COOL_DOWN_MS,
            min = "1")
    long unreachableCoolDownMs();

    @AttributeDefinition(name = "Drain time (ms)", defaultValue = CloudSettings.DRAIN_MS, min = "1",
            description = "How long open streams may finish when the provider stops")
    long drainMs();

    @AttributeDefinition(name = "Longest answer (characters)", defaultValue = CloudSettings.MAX_ANSWER_CHARS, min = "1",
            max = "50000000", description = "A longer answer ends with finish reason length")
    long maxAnswerChars();
}
