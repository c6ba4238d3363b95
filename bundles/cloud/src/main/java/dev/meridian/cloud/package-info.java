/**
 * The provider SPI for cloud backends: what a provider bundle uses to serve an HTTP model API. A provider builds a
 * {@link dev.meridian.cloud.CloudBackend} (for an OpenAI-compatible endpoint, {@link dev.meridian.cloud.OpenAiCompatible}
 * does it from the configuration) and keeps it across configuration changes with
 * {@link dev.meridian.cloud.Reconfigurable}; another wire format is a {@link dev.meridian.cloud.WireDialect} with its
 * {@link dev.meridian.cloud.StreamDecoder} of {@link dev.meridian.cloud.SseEvent}s, its failures
 * ({@link dev.meridian.cloud.WireFailure}, {@link dev.meridian.cloud.WireErrors}) and its vendor's
 * {@link dev.meridian.cloud.VendorCodes}. Keys come from {@link dev.meridian.cloud.ApiKeys} as
 * {@link dev.meridian.cloud.Secret}s; settings are {@link dev.meridian.cloud.CloudSettings}, described to metatype by
 * {@link dev.meridian.cloud.CloudConfig}. Streaming, retries, timeouts and cancellation live in a private package.
 * <p>
 * 2.0.0: the streaming machinery left this package; each dialect brings its vendor's codes
 * ({@code VendorCodes}, replacing {@code ErrorCodes}); settings are described by {@code CloudConfig}.
 */
@Export
@Version("2.0.0")
package dev.meridian.cloud;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
