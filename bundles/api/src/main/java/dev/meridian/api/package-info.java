/**
 * Meridian's one service interface for AI model backends: {@link dev.meridian.api.ModelProvider}, its request,
 * response and stream types, the error taxonomy, availability and provenance.
 */
@Export
@Version("1.0.0")
package dev.meridian.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
