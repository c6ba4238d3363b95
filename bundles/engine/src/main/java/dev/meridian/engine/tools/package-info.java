/**
 * Tools around the engine, not part of its API: writing GGUF files ({@link dev.meridian.engine.tools.GgufWriter}),
 * quantizing values into GGUF block types ({@link dev.meridian.engine.tools.Quantizer}) and random-weight models of
 * real shapes for tests and benchmarks ({@link dev.meridian.engine.tools.RandomModel}). Used by the command line
 * and the tests; the host never needs them.
 */
package dev.meridian.engine.tools;
