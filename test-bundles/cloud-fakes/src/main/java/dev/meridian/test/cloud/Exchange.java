package dev.meridian.test.cloud;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * The fake server's side of one HTTP/1.1 exchange: a status line and headers, then either a whole body or a chunked
 * stream written piece by piece (each flushed at once), or an abrupt drop of the connection.
 */
public final class Exchange {
    private final Socket socket;
    private final OutputStream out;
    private final RecordedRequest request;
    private boolean streaming;
    private volatile long firstContentNanos;

    Exchange(Socket socket, RecordedRequest request) throws IOException {
        this.socket = socket;
        this.out = socket.getOutputStream();
        this.request = request;
    }

    public RecordedRequest request() {
        return request;
    }

    /** A complete response with a JSON body and extra header lines ({@code "Retry-After: 1"}). */
    public void json(int status, String body, String... headers) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        StringBuilder head = statusLine(status).append("Content-Type: application/json\r\n")
                .append("Content-Length: ").append(bytes.length).append("\r\n");
        for (String header : headers) {
            head.append(header).append("\r\n");
        }
        out.write(head.append("Connection: close\r\n\r\n").toString().getBytes(StandardCharsets.US_ASCII));
        out.write(bytes);
        out.flush();
    }

    /** Starts a 200 event stream (chunked), as both services send it. */
    public void startStream(String... headers) throws IOException {
        StringBuilder head = statusLine(200).append("Content-Type: text/event-stream; charset=utf-8\r\n")
                .append("Transfer-Encoding: chunked\r\n").append("Cache-Control: no-cache\r\n");
        for (String header : headers) {
            head.append(header).append("\r\n");
        }
        out.write(head.append("Connection: close\r\n\r\n").toString().getBytes(StandardCharsets.US_ASCII));
        out.flush();
        streaming = true;
    }

    /** Writes text into the stream as one chunk. */
    public void send(String text) throws IOException {
        sendBytes(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Writes raw bytes into the stream as one chunk (for invalid UTF-8 and the like). */
    public void sendBytes(byte[] bytes) throws IOException {
        if (firstContentNanos == 0) {
            firstContentNanos = System.nanoTime();
        }
        out.write((Integer.toHexString(bytes.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(bytes);
        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** Ends the chunked stream properly. */
    public void end() throws IOException {
        if (streaming) {
            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }
    }

    /** Closes the connection abruptly, in the middle of whatever was being sent. */
    public void drop() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    public static void pause(long millis) {
        if (millis <= 0) {
            // a fake that streams as fast as it can still lets others run: its virtual threads share few carriers
            // with the clients' readers, and one that never blocks would starve the others
            Thread.yield();
            return;
        }
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** When the first stream chunk was written (System.nanoTime), or 0. */
    public long firstContentNanos() {
        return firstContentNanos;
    }

    private static StringBuilder statusLine(int status) {
        return new StringBuilder("HTTP/1.1 ").append(status).append(' ').append(reason(status)).append("\r\n");
    }

    private static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 429 -> "Too Many Requests";
            case 500 -> "Internal Server Error";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            default -> "Status";
        };
    }
}
