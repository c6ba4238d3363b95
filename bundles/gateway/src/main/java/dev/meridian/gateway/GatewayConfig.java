package dev.meridian.gateway;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration PID {@code meridian.gateway}: where the gateway listens and who may call it. */
@ObjectClassDefinition(name = "Meridian gateway", description = "OpenAI-compatible HTTP over the routed provider")
public @interface GatewayConfig {
    String PID = "meridian.gateway";

    @AttributeDefinition(description = "Address to listen on; a non-loopback address needs tokenHashes")
    String host() default "127.0.0.1";

    @AttributeDefinition(description = "TCP port (0 = any free port)", min = "0", max = "65535")
    int port() default 11480;

    @AttributeDefinition(description = "SHA-256 hashes (lowercase hex) of the bearer tokens accepted; "
            + "when set, every call needs one", required = false)
    String[] tokenHashes() default {};

    @AttributeDefinition(description = "SHA-256 hashes (lowercase hex) of operator tokens: switching the region on "
            + "the operators' page needs one; none = no switching there", required = false)
    String[] operatorTokenHashes() default {};

    @AttributeDefinition(description = "Largest request body, in bytes", min = "1024")
    int maxBodyBytes() default 1 << 20;

    @AttributeDefinition(description = "Chat requests served at once; more get 429", min = "1")
    int maxStreams() default 64;

    @AttributeDefinition(description = "Browser origins allowed to call (CORS); none by default", required = false)
    String[] corsOrigins() default {};

    @AttributeDefinition(description = "On shutdown, how long open requests may finish, in seconds", min = "0")
    int drainSeconds() default 10;
}
