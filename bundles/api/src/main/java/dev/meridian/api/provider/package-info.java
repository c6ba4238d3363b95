/**
 * Building blocks for {@link dev.meridian.api.ModelProvider} implementations: a stream handle that enforces the
 * listener contract, and the drain-on-deactivate bookkeeping every provider needs.
 *
 * <p>
 * 1.1.0: {@link dev.meridian.api.provider.ProviderStream#deliveredChars()}.
 */
@Export
@Version("1.1.0")
package dev.meridian.api.provider;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
