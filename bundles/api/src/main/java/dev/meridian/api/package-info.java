/**
 * Meridian's one service interface for AI model backends: {@link dev.meridian.api.ModelProvider}, its request,
 * response and stream types, the error taxonomy, availability and provenance.
 *
 * <p>
 * 1.1.0: {@link dev.meridian.api.ContentLabel} on completions and responses; {@link dev.meridian.api.Consent} in
 * provenance.
 * 1.2.0: {@link dev.meridian.api.StreamListener#onServing}, who answers, before the first delta (for HTTP headers).
 */
@Export
@Version("1.2.0")
package dev.meridian.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
