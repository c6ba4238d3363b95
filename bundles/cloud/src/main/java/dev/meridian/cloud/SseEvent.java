package dev.meridian.cloud;

import java.util.List;

/**
 * One server-sent event: its {@code id:}, {@code event:} and joined {@code data:} lines, and its comment lines
 * (DashScope sends {@code :HTTP_STATUS/200} as a comment).
 */
public record SseEvent(String id, String event, String data, List<String> comments) {
    public SseEvent {
        comments = List.copyOf(comments);
    }
}
