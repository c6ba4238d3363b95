package dev.meridian.test.launcher;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;

/** The host as an integrator gets it: {@code runtime/}'s launcher, configuration, model and exported jar. */
final class ShippedRuntime {
    private ShippedRuntime() {
    }

    /** Copies bin/, conf/, models/ and the exported jars (host and conformance kit) into {@code home}, with an empty deploy/. */
    static void copyTo(Path home) throws IOException {
        Path runtime = Path.of(System.getProperty("meridian.root", "../..")).resolve("runtime").toAbsolutePath();
        for (String folder : List.of("bin", "conf", "models")) {
            Files.createDirectories(home.resolve(folder));
            try (Stream<Path> files = Files.list(runtime.resolve(folder))) {
                for (Path file : files.toList()) {
                    Files.copy(file, home.resolve(folder).resolve(file.getFileName()),
                            StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
        Files.createDirectories(home.resolve("target"));
        Files.createDirectories(home.resolve("deploy"));
        for (String jar : List.of("meridian.jar", "conformance.jar")) {
            Files.copy(runtime.resolve("target").resolve(jar), home.resolve("target").resolve(jar));
        }
    }

    /** A TCP port free now, for a host's gateway (not 11480, where a developer's own host may listen). */
    static int freePort() throws IOException {
        try (ServerSocket free = new ServerSocket(0)) {
            return free.getLocalPort();
        }
    }
}
