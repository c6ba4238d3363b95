/**
 * What Meridian's cloud providers share: streaming HTTP on {@code java.net.http}, server-sent events, retries with
 * backoff, connect/first-token/idle/total timeouts, cancellation, secrets, and the mapping of wire errors to the
 * API's taxonomy. A provider supplies a {@link dev.meridian.cloud.WireDialect}; {@link dev.meridian.cloud.CloudStreamer}
 * does the rest.
 */
@Export
@Version("1.0.0")
package dev.meridian.cloud;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
