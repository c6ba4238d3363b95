/**
 * Soak runs for in-framework tests: provider bundles updated again and again under load, and what they leave behind.
 */
@Export
@Version("1.1.0")
package dev.meridian.test.soak;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
