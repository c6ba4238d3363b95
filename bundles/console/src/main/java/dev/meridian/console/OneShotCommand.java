package dev.meridian.console;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.BundleListener;
import org.osgi.framework.ServiceListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the console command given in the framework property {@value #COMMAND} once, prints its result, writes
 * its exit status (0 ok, 1 failed) to the file named by {@value #EXIT_FILE} and stops the framework. This is
 * {@code meridian -c "COMMAND"}. Without the property it does nothing.
 *
 * <p>
 * It waits for the host to settle first (no bundle or service event for {@value #QUIET_MS} ms, at most
 * {@value #MAX_WAIT_MS} ms), so that bundles deployed in the deploy folder have started and registered providers.
 */
@Component
public final class OneShotCommand {
    static final String COMMAND = "meridian.command";
    static final String EXIT_FILE = "meridian.command.exit";
    /** Longer than FileInstall's poll interval (1 s), which may start a deployed bundle one scan after installing it. */
    static final long QUIET_MS = 1_500;
    static final long MAX_WAIT_MS = 15_000;
    private static final Logger LOG = LoggerFactory.getLogger(OneShotCommand.class);

    private final BundleContext context;
    private final CommandProcessor processor;
    private final AtomicLong lastEvent = new AtomicLong(System.nanoTime());
    private final ServiceListener listener = event -> lastEvent.set(System.nanoTime());
    private final BundleListener bundles = event -> lastEvent.set(System.nanoTime());
    private volatile Thread runner;

    @Activate
    public OneShotCommand(BundleContext context, @Reference CommandProcessor processor,
            @Reference AiCommands commands) {
        this.context = context;
        this.processor = processor;
        String command = context.getProperty(COMMAND);
        if (command == null || command.isBlank()) {
            return;
        }
        context.addServiceListener(listener);
        context.addBundleListener(bundles);
        runner = new Thread(() -> run(command), "meridian-one-shot-command");
        runner.start();
    }

    @Deactivate
    void deactivate() {
        context.removeServiceListener(listener);
        context.removeBundleListener(bundles);
        Thread thread = runner;
        if (thread != null) {
            thread.interrupt();
        }
    }

    private void run(String command) {
        int status = 1;
        // The process's own streams: Gogo's ThreadIO has replaced System.out with a per-thread multiplexer, and a
        // session writing into it would write into itself.
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
        try {
            awaitQuiet();
            try (CommandSession session = processor.createSession(System.in, out, err)) {
                Object result = session.execute(command);
                if (result != null) {
                    out.print(session.format(result, Converter.INSPECT));
                    out.println();
                }
                status = 0;
            }
        } catch (InterruptedException e) {
            err.println("interrupted");
        } catch (Exception e) {
            err.println("Error: " + message(e));
            LOG.debug("Command {} failed", command, e);
        } finally {
            out.flush();
            writeStatus(status);
            stopFramework();
        }
    }

    /** The message of the exception the command threw, not of the reflection wrapped around it. */
    static String message(Throwable e) {
        Throwable cause = e;
        while ((cause instanceof java.lang.reflect.InvocationTargetException || cause.getMessage() == null)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause.getMessage() == null ? cause.toString() : cause.getMessage();
    }

    private void awaitQuiet() throws InterruptedException {
        long deadline = System.nanoTime() + MAX_WAIT_MS * 1_000_000;
        while (System.nanoTime() < deadline && System.nanoTime() - lastEvent.get() < QUIET_MS * 1_000_000) {
            Thread.sleep(50);
        }
    }

    private void writeStatus(int status) {
        String file = context.getProperty(EXIT_FILE);
        if (file == null) {
            return;
        }
        try {
            Files.writeString(Path.of(file), Integer.toString(status), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            LOG.error("Could not write the exit status to {}: {}", file, e.toString());
        }
    }

    private void stopFramework() {
        try {
            context.getBundle(0).stop();
        } catch (BundleException | IllegalStateException e) {
            LOG.error("Could not stop the framework after the command: {}", e.toString());
        }
    }
}
