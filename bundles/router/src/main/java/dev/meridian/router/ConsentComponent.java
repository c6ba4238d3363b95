package dev.meridian.router;

import java.util.Map;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.meridian.api.Consent;
import dev.meridian.api.routing.Routing;

/**
 * The user's consents, kept in {@value Routing#CONSENT_PID} (see {@link ConsentReader}) so they survive restarts. A
 * configuration that cannot be read grants nothing.
 */
@Component(configurationPid = Routing.CONSENT_PID, configurationPolicy = ConfigurationPolicy.OPTIONAL,
        service = ConsentComponent.class)
public final class ConsentComponent {
    private static final Logger LOG = LoggerFactory.getLogger(ConsentComponent.class);

    private volatile Map<String, Consent> consents = Map.of();

    @Activate
    public ConsentComponent(Map<String, Object> properties) {
        modified(properties);
    }

    @Modified
    void modified(Map<String, Object> properties) {
        try {
            consents = ConsentReader.read(properties);
        } catch (IllegalArgumentException e) {
            consents = Map.of();
            LOG.error("Refused consent configuration {}: {}; no consent counts until it is corrected",
                    Routing.CONSENT_PID, e.getMessage());
        }
    }

    Map<String, Consent> consents() {
        return consents;
    }
}
