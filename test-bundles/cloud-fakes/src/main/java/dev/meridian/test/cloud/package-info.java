/**
 * The provider conformance kit: fake cloud servers on loopback that speak the OpenAI and DashScope wire formats
 * byte for byte, with their quirks and their failures. Plain Java (no OSGi API), for in-framework tests and
 * benchmarks alike.
 */
@Export
@Version("1.0.0")
package dev.meridian.test.cloud;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
