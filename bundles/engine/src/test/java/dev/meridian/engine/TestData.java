package dev.meridian.engine;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Assumptions;

/**
 * The shared test data ({@code ../shared/testdata} beside the project root, or {@code -Dmeridian.testdata}). Tests
 * that need it are skipped, with a message saying so, where it is absent.
 */
public final class TestData {
    private TestData() {
    }

    public static Path dir() {
        String configured = System.getProperty("meridian.testdata");
        if (configured != null && Files.isDirectory(Path.of(configured))) {
            return Path.of(configured);
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path candidate = p.resolveSibling("shared").resolve("testdata");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    /** The file, or the test is skipped with a clear message. */
    public static Path require(String relative) {
        Path dir = dir();
        Assumptions.assumeTrue(dir != null, "../shared/testdata not found beside the project root: test skipped");
        Path file = dir.resolve(relative);
        Assumptions.assumeTrue(Files.exists(file), file + " is absent: test skipped");
        return file;
    }
}
