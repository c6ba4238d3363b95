package dev.meridian.test.trust;

import java.io.IOException;
import java.time.Duration;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;

import org.osgi.framework.BundleContext;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import dev.meridian.api.routing.Routing;

/**
 * Trusts the build's development signer for every scope, as the development runtime does: the test bundles and
 * Meridian's own bundles are signed with it, and the test framework learns its fingerprint from the framework
 * property {@code meridian.dev.signer} (each {@code test.bndrun} reads {@code ~/.meridian/dev-signing/fingerprint}).
 */
public final class DevelopmentTrust {
    /** Every scope the tests give providers. */
    public static final List<String> SCOPES = List.of("device", "cn-mainland", "global", "eu", "intl");

    private DevelopmentTrust() {
    }

    /** The development signer's fingerprint. @throws IllegalStateException if the framework was not given it */
    public static String signer(BundleContext context) {
        String signer = context.getProperty("meridian.dev.signer");
        if (signer == null || signer.isBlank()) {
            throw new IllegalStateException("framework property meridian.dev.signer is not set: the test.bndrun reads "
                    + "it from ~/.meridian/dev-signing/fingerprint, which the build makes");
        }
        return signer.strip();
    }

    /** Writes the trust configuration (if it differs) and waits until the router has it. */
    public static void apply(BundleContext context, ConfigurationAdmin cm, Routing routing) throws IOException,
            InterruptedException {
        String signer = signer(context);
        Dictionary<String, Object> properties = new Hashtable<>();
        for (String scope : SCOPES) {
            properties.put("signers." + scope, new String[] { signer });
        }
        cm.getConfiguration(Routing.TRUST_PID, "?").updateIfDifferent(properties);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (routing.trust().problem() != null || !routing.trust().signers().keySet().containsAll(SCOPES)
                || !routing.trust().unsignedScopes().isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for the router to trust the development signer: "
                        + routing.trust());
            }
            Thread.sleep(5);
        }
    }

    /** Replaces the trust configuration with {@code properties}. */
    public static void write(ConfigurationAdmin cm, Dictionary<String, Object> properties) throws IOException {
        Configuration configuration = cm.getConfiguration(Routing.TRUST_PID, "?");
        configuration.update(properties);
    }
}
