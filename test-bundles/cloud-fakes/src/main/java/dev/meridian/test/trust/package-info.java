/**
 * Trust set-up for in-framework tests: the development signer trusted for every scope, as in the development runtime.
 */
@Export
@Version("1.0.0")
package dev.meridian.test.trust;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
