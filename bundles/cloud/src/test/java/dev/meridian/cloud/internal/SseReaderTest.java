package dev.meridian.cloud.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.meridian.api.ModelException;
import dev.meridian.cloud.SseEvent;

class SseReaderTest {
    private static SseReader reader(String text) {
        return new SseReader(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), 64, 256);
    }

    @Test
    void readsDashScopeFramesWithCommentsAndNoSpaceAfterTheColon() throws Exception {
        SseReader reader = reader("id:1\nevent:result\n:HTTP_STATUS/200\ndata:{\"a\":1}\n\nid:2\r\ndata: x\r\n\r\n");
        assertEquals(new SseEvent("1", "result", "{\"a\":1}", List.of("HTTP_STATUS/200")), reader.next());
        assertEquals(new SseEvent("2", null, "x", List.of()), reader.next());
        assertNull(reader.next());
    }

    @Test
    void joinsMultiLineDataAndDropsAnUnfinishedLastEvent() throws Exception {
        SseReader reader = reader("data: a\ndata: b\n\ndata: never finished");
        assertEquals("a\nb", reader.next().data());
        assertNull(reader.next());
    }

    @Test
    void decodesUtf8SplitAcrossReads() throws Exception {
        byte[] bytes = "data: 你好\n\n".getBytes(StandardCharsets.UTF_8);
        SseReader reader = new SseReader(new ByteArrayInputStream(bytes) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, 1)); // one byte at a time
            }
        }, 64, 256);
        assertEquals("你好", reader.next().data());
    }

    @Test
    void refusesLongLinesLargeEventsAndInvalidUtf8() {
        ModelException line = assertThrows(ModelException.class, () -> reader("data: " + "x".repeat(100)).next());
        assertTrue(line.getMessage().contains("a line longer than 64 bytes"));
        assertEquals(dev.meridian.cloud.WireErrors.BAD_RESPONSE, line.reason());
        String big = ("data: " + "y".repeat(50) + "\n").repeat(10);
        assertTrue(assertThrows(ModelException.class, () -> reader(big).next()).getMessage()
                .contains("an event larger than 256 bytes"));
        SseReader invalid = new SseReader(new ByteArrayInputStream(new byte[] { 'd', 'a', 't', 'a', ':', (byte) 0xC3,
                (byte) 0x28, '\n', '\n' }), 64, 256);
        assertTrue(assertThrows(ModelException.class, invalid::next).getMessage().contains("not UTF-8"));
    }
}
