/**
 * The local inference engine's API: load a GGUF model ({@link dev.meridian.engine.LocalModel}), tokenize, apply its
 * chat template, and generate with streaming and cancellation. Plain Java: no OSGi API, usable and benchmarkable
 * alone.
 */
@Export
@Version("1.0.0")
package dev.meridian.engine;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
