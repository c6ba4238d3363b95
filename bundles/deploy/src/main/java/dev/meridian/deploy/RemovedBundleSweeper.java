package dev.meridian.deploy;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Uninstalls, at start, the bundles that were installed from the deploy folder and whose file is gone. FileInstall
 * notices a file removed while the host runs, but not one removed while it was stopped, and the host keeps its
 * framework state across restarts. The folder is the framework property {@value #DEPLOY_DIR} (set by bin/meridian).
 */
@Component(immediate = true, service = {})
public final class RemovedBundleSweeper {
    static final String DEPLOY_DIR = "meridian.deploy";
    private static final Logger LOG = LoggerFactory.getLogger(RemovedBundleSweeper.class);

    @Activate
    public RemovedBundleSweeper(BundleContext context) {
        String folder = context.getProperty(DEPLOY_DIR);
        if (folder == null || folder.isBlank()) {
            return;
        }
        Path deploy = Path.of(folder).toAbsolutePath().normalize();
        for (Bundle bundle : context.getBundles()) {
            Path file = fileOf(bundle.getLocation());
            if (file != null && file.startsWith(deploy) && !Files.exists(file)) {
                try {
                    bundle.uninstall();
                    LOG.info("Uninstalled {} {}: its file {} was removed from the deploy folder while the host was "
                            + "stopped", bundle.getSymbolicName(), bundle.getVersion(), file.getFileName());
                } catch (BundleException | IllegalStateException e) {
                    LOG.error("Could not uninstall {} whose file {} is gone: {}", bundle.getSymbolicName(), file,
                            e.toString());
                }
            }
        }
    }

    /** The file a bundle was installed from, or {@code null} when its location is not a file URI. */
    private static Path fileOf(String location) {
        if (location == null || !location.startsWith("file:")) {
            return null;
        }
        try {
            return Path.of(URI.create(location)).toAbsolutePath().normalize();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
