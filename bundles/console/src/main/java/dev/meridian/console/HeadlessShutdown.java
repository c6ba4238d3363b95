package dev.meridian.console;

import java.util.concurrent.TimeUnit;

import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.launch.Framework;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code meridian --headless}: on SIGTERM (an init system stopping the service) the host stops gracefully, then
 * exits 0. Stopping the framework deactivates the gateway first (it has the highest start level), which refuses
 * new requests and lets open streams finish for its drain time; then the providers and the router stop. Without
 * the framework property {@value #HEADLESS} it does nothing.
 */
@Component
public final class HeadlessShutdown {
    static final String HEADLESS = "meridian.headless";
    /** Past the gateway's drain time (10 s by default) with room for the providers' own drains. */
    static final long STOP_WAIT_SECONDS = 60;
    private static final Logger LOG = LoggerFactory.getLogger(HeadlessShutdown.class);

    private final Thread hook;

    @Activate
    public HeadlessShutdown(BundleContext context) {
        if (!Boolean.parseBoolean(context.getProperty(HEADLESS))) {
            hook = null;
            return;
        }
        Framework framework = (Framework) context.getBundle(0);
        hook = new Thread(() -> stop(framework), "meridian-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        LOG.info("Headless: SIGTERM stops the host gracefully");
    }

    private static void stop(Framework framework) {
        LOG.info("Headless: stopping (no new requests; open streams drain)");
        try {
            framework.stop();
            FrameworkEvent event = framework.waitForStop(TimeUnit.SECONDS.toMillis(STOP_WAIT_SECONDS));
            if (event.getType() == FrameworkEvent.WAIT_TIMEDOUT) {
                System.err.println("meridian: the host did not stop within " + STOP_WAIT_SECONDS + " s");
                Runtime.getRuntime().halt(1);
            }
        } catch (BundleException | InterruptedException | RuntimeException e) {
            System.err.println("meridian: stopping failed: " + e);
            Runtime.getRuntime().halt(1);
        }
        // stopped as asked: the service manager sees success, not the JVM's 143 for a signal
        Runtime.getRuntime().halt(0);
    }

    @Deactivate
    void deactivate() {
        if (hook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is already shutting down: this hook is what stops us
            }
        }
    }
}
