package dev.meridian.engine;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Turns token bytes into text as they come: a character split across tokens is held back until its last byte
 * arrives, so streamed text never contains broken characters. Bytes that can never form UTF-8 become U+FFFD.
 */
final class Utf8Assembler {
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

    /** Adds bytes; returns the text now complete (possibly empty). */
    String add(byte[] bytes) {
        pending.writeBytes(bytes);
        byte[] all = pending.toByteArray();
        int complete = completePrefix(all);
        pending.reset();
        pending.write(all, complete, all.length - complete);
        return new String(all, 0, complete, StandardCharsets.UTF_8);
    }

    /** What is left at the end (an unfinished character becomes U+FFFD). */
    String flush() {
        String rest = pending.toString(StandardCharsets.UTF_8);
        pending.reset();
        return rest;
    }

    private static int completePrefix(byte[] b) {
        int end = b.length;
        // look back at most 3 bytes for the start of an unfinished sequence
        for (int i = Math.max(0, end - 3); i < end; i++) {
            int lead = b[i] & 0xFF;
            int need = lead >= 0xF0 && lead <= 0xF4 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC2 && lead < 0xE0 ? 2 : 0;
            if (need > 0 && i + need > end && (lead & 0xC0) == 0xC0) {
                return i;
            }
        }
        return end;
    }
}
