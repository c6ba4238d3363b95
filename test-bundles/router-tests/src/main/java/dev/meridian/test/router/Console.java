package dev.meridian.test.router;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;

/** Runs one console command through the real Gogo command processor; returns what it printed and returned. */
final class Console {
    private Console() {
    }

    static String run(CommandProcessor processor, String command) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (CommandSession session = processor.createSession(new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(out, true, StandardCharsets.UTF_8))) {
            Object result = session.execute(command);
            String printed = out.toString(StandardCharsets.UTF_8);
            return printed + (result == null ? "" : session.format(result, Converter.INSPECT));
        }
    }
}
