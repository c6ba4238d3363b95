package dev.meridian.router;

import java.util.Map;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.meridian.api.routing.Routing;

/**
 * The trusted signers per scope, from {@value Routing#TRUST_PID} (see {@link TrustReader}). Without a
 * configuration, or with one that cannot be read, nothing is trusted: every provider is refused until it is fixed.
 */
@Component(configurationPid = Routing.TRUST_PID, configurationPolicy = ConfigurationPolicy.OPTIONAL,
        service = TrustComponent.class)
public final class TrustComponent {
    private static final Logger LOG = LoggerFactory.getLogger(TrustComponent.class);

    private volatile TrustPolicy trust = TrustPolicy.NONE;

    @Activate
    public TrustComponent(Map<String, Object> properties) {
        modified(properties);
    }

    @Modified
    void modified(Map<String, Object> properties) {
        if (properties.get("service.pid") == null) {
            trust = TrustPolicy.NONE;
            // info, not a warning: at start-up this precedes the configuration FileInstall is about to deliver
            LOG.info("No trust configuration {} (yet): no provider bundle is trusted until one arrives",
                    Routing.TRUST_PID);
            return;
        }
        try {
            trust = TrustReader.read(properties);
            LOG.info("Trust: signers per scope {}, open to unsigned bundles {}", trust.signers().keySet(),
                    trust.unsignedScopes());
        } catch (IllegalArgumentException e) {
            trust = TrustPolicy.unreadable("trust configuration " + Routing.TRUST_PID + " refused: " + e.getMessage());
            LOG.error("Refused trust configuration {}: {}; no provider bundle is trusted until it is corrected",
                    Routing.TRUST_PID, e.getMessage());
        }
    }

    TrustPolicy trust() {
        return trust;
    }
}
