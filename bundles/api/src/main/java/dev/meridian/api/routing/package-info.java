/**
 * What the router shows of itself: the active region, the regional policies, and each provider's state and
 * counters. Implemented by the router only; read by the console and by management tools.
 *
 * <p>
 * 1.1.0: where the active region comes from, trust and refusal per provider, consent, per-region labels.
 */
@Export
@Version("1.1.0")
package dev.meridian.api.routing;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
