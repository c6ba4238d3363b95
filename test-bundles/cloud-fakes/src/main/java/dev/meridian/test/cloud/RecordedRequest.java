package dev.meridian.test.cloud;

import java.util.Map;

/** A request as the fake server received it. Header names are lower-case. */
public record RecordedRequest(String method, String path, Map<String, String> headers, String body) {
    public String header(String name) {
        return headers.get(name.toLowerCase(java.util.Locale.ROOT));
    }
}
