/**
 * The local inference engine's API: load a GGUF model ({@link dev.meridian.engine.LocalModel}), tokenize, apply its
 * chat template, and generate with streaming and cancellation. Plain Java: no OSGi API, usable and benchmarkable
 * alone. Its types reference no private package: the file format ({@code gguf}), the model ({@code model}), the
 * kernels ({@code tensor}), the tokenizers and the tools (random models, GGUF writing, quantizing) stay inside.
 * <p>
 * 2.0.0: {@code LocalModel.tokenizer()} and {@code config()} gave way to {@code tokenize}, {@code vocabularySize()}
 * and {@code architecture()}; {@code RandomModel} moved to the private tools package.
 */
@Export
@Version("2.0.0")
package dev.meridian.engine;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
