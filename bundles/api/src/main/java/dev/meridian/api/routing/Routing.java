package dev.meridian.api.routing;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.meridian.api.Consent;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The router's state, for consoles and management tools. Thread-safe; every method returns a snapshot.
 */
@ProviderType
public interface Routing {

    /** The active region's name (e.g. {@code CN}, {@code GLOBAL}), or {@code (invalid)}. */
    String activeRegion();

    /** The active region and where it came from (configuration, {@code --region}, environment, default, invalid). */
    RegionSetting regionSetting();

    /** The active region's policy; empty when no policy names that region (then every request fails closed). */
    Optional<RegionPolicy> activePolicy();

    /** Every valid policy, by region name. */
    Map<String, RegionPolicy> policies();

    /** Every registered provider in the order the active region would try them, eligible ones first. */
    List<ProviderStatus> providers();

    /** The counters of every provider id seen since the host started, including ids no longer registered. */
    Map<String, ProviderStats> stats();

    /**
     * Makes {@code region} the active region by updating the {@code meridian.region} configuration. Takes effect for
     * the next request once Configuration Admin delivers the change.
     *
     * @throws IllegalArgumentException if no policy names that region (the active region stays as it was)
     */
    void selectRegion(String region);

    /** The trusted signers per scope, or why nothing is trusted. */
    TrustSettings trust();

    /** The consents the user has given, by scope. */
    Map<String, Consent> consents();

    /**
     * Records the user's consent that request data may leave the device for {@code scope}, now; kept across
     * restarts in the {@value #CONSENT_PID} configuration. Applies to the next attempt of every request.
     *
     * @throws IllegalArgumentException if {@code scope} is not a scope name
     * @return the consent recorded
     */
    Consent grantConsent(String scope);

    /**
     * Withdraws the consent for {@code scope}, at once for the next attempt of every request.
     *
     * @return whether there was one
     */
    boolean revokeConsent(String scope);

    /** Configuration PID of the active region. */
    String REGION_PID = "meridian.region";

    /** Factory configuration PID of the per-region policies. */
    String POLICY_FACTORY_PID = "meridian.policy";

    /** Configuration PID of the trusted signers per scope. */
    String TRUST_PID = "meridian.trust";

    /** Configuration PID of the user's consents per scope. */
    String CONSENT_PID = "meridian.consent";
}
