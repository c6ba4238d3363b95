package dev.meridian.router;

import java.util.Map;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.meridian.api.routing.RegionPolicy;
import dev.meridian.api.routing.Routing;

/**
 * One regional policy per factory configuration of {@value Routing#POLICY_FACTORY_PID}. A malformed configuration is
 * refused with a log line naming the problem: the last good policy stays in force, or none if there was none.
 */
@Component(configurationPid = Routing.POLICY_FACTORY_PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = PolicyComponent.class)
@Designate(ocd = PolicyComponent.Config.class, factory = true)
public final class PolicyComponent {
    private static final Logger LOG = LoggerFactory.getLogger(PolicyComponent.class);

    @ObjectClassDefinition(name = "Meridian regional policy",
            description = "What one region allows: residency scopes and the preference order of providers")
    @interface Config {
        @AttributeDefinition(description = "Region name, e.g. CN, GLOBAL, EU")
        String region();

        @AttributeDefinition(description = "Residency scopes whose providers may serve, e.g. cn-mainland, device")
        String[] scopes();

        @AttributeDefinition(description = "Provider ids in order of preference", required = false)
        String[] preference() default {};

        @AttributeDefinition(description = "Allowed scopes that serve only after the user consented "
                + "(ai:consent grant SCOPE), e.g. global", required = false)
        String[] consentRequired() default {};

        @AttributeDefinition(description = "Explicit AI-generated-content label shown with every answer in this "
                + "region (CN: 本内容由人工智能生成)", required = false)
        String label();
    }

    private volatile RegionPolicy policy; // null until a valid configuration arrives

    @Activate
    public PolicyComponent(Map<String, Object> properties) {
        modified(properties);
    }

    @Modified
    void modified(Map<String, Object> properties) {
        RegionPolicy last = policy;
        try {
            policy = PolicyReader.read(properties);
            LOG.info("Regional policy {}: scopes {}, preference {}, consent required for {}, label {}",
                    policy.region(), policy.scopes(), policy.preference(), policy.consentRequired(),
                    policy.label() == null ? "none" : "'" + policy.label() + "'");
        } catch (IllegalArgumentException e) {
            LOG.error("Refused regional policy {}: {}; {}", properties.get("service.pid"), e.getMessage(),
                    last == null ? "it stays out of force until corrected" : "keeping the last good one: " + last);
        }
    }

    /** The policy, or {@code null} while its configuration was never readable. */
    RegionPolicy policy() {
        return policy;
    }
}
