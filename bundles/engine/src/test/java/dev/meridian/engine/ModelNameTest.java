package dev.meridian.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Answers name the model, not its architecture (issue 10). */
class ModelNameTest {

    @Test
    void aNameThatOnlyRepeatsTheArchitectureGivesWayToTheFileName(@TempDir Path dir) throws Exception {
        // the story model's converter wrote general.name = "llama", its architecture
        Path file = Files.copy(TestData.require("models/stories260K-ffn192-Q8_0.gguf"), dir.resolve("stories.gguf"));
        try (LocalModel model = LocalModel.load(file, new LocalModel.Options(1, 0, null), null)) {
            assertEquals("llama", model.architecture());
            assertEquals("stories", model.name());
        }
    }
}
