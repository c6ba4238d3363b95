package dev.meridian.engine;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.zip.GZIPInputStream;

/** Vocabulary-only GGUF files kept gzipped in this module's test resources ({@code tokenizer/}). */
final class BundledVocabulary {
    private BundledVocabulary() {
    }

    /** Resource {@code tokenizer/NAME}; fails the test where it is missing. */
    static InputStream resource(String name) {
        InputStream in = BundledVocabulary.class.getResourceAsStream("/tokenizer/" + name);
        if (in == null) {
            throw new AssertionError("test resource tokenizer/" + name + " is missing");
        }
        return in;
    }

    /** {@code tokenizer/NAME.gz} unpacked into {@code dir} as {@code NAME}. */
    static Path unpack(String name, Path dir) throws Exception {
        Path file = dir.resolve(name);
        try (InputStream in = new GZIPInputStream(resource(name + ".gz"))) {
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
        }
        return file;
    }
}
