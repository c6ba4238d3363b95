package dev.meridian.engine;

import java.nio.file.Files;
import java.nio.file.Path;

import dev.meridian.engine.gguf.GgmlType;
import dev.meridian.engine.tools.RandomModel;

/** Tiny random-weight models written by the tests themselves. */
public final class TinyModels {
    private TinyModels() {
    }

    static RandomModel.Shape shape(String arch) {
        return new RandomModel.Shape(arch, 256, 2, 4, 2, 512, 512, 64, 10000f, !arch.equals("llama"));
    }

    public static Path write(Path dir, String arch, GgmlType type) throws Exception {
        Path file = dir.resolve(arch + "-" + type + ".gguf");
        if (!Files.exists(file)) {
            RandomModel.write(file, shape(arch), type, 7);
        }
        return file;
    }
}
