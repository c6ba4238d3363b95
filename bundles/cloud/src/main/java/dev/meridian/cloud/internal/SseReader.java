package dev.meridian.cloud.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import dev.meridian.api.ErrorKind;
import dev.meridian.api.ModelException;
import dev.meridian.cloud.SseEvent;
import dev.meridian.cloud.WireErrors;

/**
 * Reads server-sent events from a byte stream, with bounds: a line longer than {@code maxLineBytes}, an event
 * larger than {@code maxEventBytes} or bytes that are not UTF-8 end the stream with a typed error instead of
 * growing memory or producing garbled text. Lines end in LF, CRLF or CR. Not thread-safe.
 */
public final class SseReader {
    private final InputStream in;
    private final int maxLineBytes;
    private final int maxEventBytes;
    private final byte[] buffer = new byte[8192];
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    private byte[] line = new byte[256];
    private int lineLength;
    private int position;
    private int limit;
    private boolean lastWasCr;
    private boolean eof;

    public SseReader(InputStream in, int maxLineBytes, int maxEventBytes) {
        this.in = in;
        this.maxLineBytes = maxLineBytes;
        this.maxEventBytes = maxEventBytes;
    }

    /** The next event, or {@code null} at the end of the stream (an unfinished last event is dropped). */
    public SseEvent next() throws IOException, ModelException {
        String id = null;
        String event = null;
        StringBuilder data = null;
        List<String> comments = new ArrayList<>(1);
        int size = 0;
        String text;
        while ((text = readLine()) != null) {
            if (text.isEmpty()) {
                if (data != null || event != null || id != null || !comments.isEmpty()) {
                    return new SseEvent(id, event, data == null ? null : data.toString(), comments);
                }
                continue;
            }
            size += text.length();
            if (size > maxEventBytes) {
                throw bad("an event larger than " + maxEventBytes + " bytes");
            }
            if (text.charAt(0) == ':') {
                comments.add(text.substring(1));
                continue;
            }
            int colon = text.indexOf(':');
            String field = colon < 0 ? text : text.substring(0, colon);
            String value = colon < 0 ? "" : text.substring(colon + 1);
            if (value.startsWith(" ")) {
                value = value.substring(1);
            }
            switch (field) {
                case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                case "event" -> event = value;
                case "id" -> id = value;
                default -> {
                    // "retry" and unknown fields are ignored, as the SSE specification says
                }
            }
        }
        return null;
    }

    private String readLine() throws IOException, ModelException {
        lineLength = 0;
        while (true) {
            if (position == limit) {
                if (eof) {
                    return lineLength > 0 ? decode() : null;
                }
                limit = in.read(buffer);
                position = 0;
                if (limit < 0) {
                    limit = 0;
                    eof = true;
                    continue;
                }
            }
            byte b = buffer[position++];
            if (b == '\n') {
                if (lastWasCr) {
                    lastWasCr = false;
                    continue; // the LF of a CRLF
                }
                return decode();
            }
            if (b == '\r') {
                lastWasCr = true;
                return decode();
            }
            lastWasCr = false;
            if (lineLength == maxLineBytes) {
                throw bad("a line longer than " + maxLineBytes + " bytes");
            }
            if (lineLength == line.length) {
                line = java.util.Arrays.copyOf(line, Math.min(maxLineBytes, line.length * 2));
            }
            line[lineLength++] = b;
        }
    }

    private String decode() throws ModelException {
        try {
            return utf8.decode(ByteBuffer.wrap(line, 0, lineLength)).toString();
        } catch (CharacterCodingException e) {
            throw bad("bytes that are not UTF-8");
        }
    }

    private static ModelException bad(String what) {
        return new ModelException(ErrorKind.UNAVAILABLE, WireErrors.BAD_RESPONSE, "the server sent " + what, null, null, null);
    }
}
