/**
 * The streaming machinery behind {@link dev.meridian.cloud.CloudBackend}, private to the cloud bundle: one exchange
 * per request on a virtual thread ({@code CloudStreamer}), server-sent events read with bounded memory
 * ({@code SseReader}), what a provider learned of its endpoint ({@code ProviderHealth}) and threads that let go of
 * their work ({@code ReleasingTask}). Not exported: providers build on the SPI in {@code dev.meridian.cloud}.
 */
package dev.meridian.cloud.internal;
