package dev.meridian.test.cloud;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A fake cloud server on loopback: a small HTTP/1.1 server on a plain socket, so that it can answer exactly as the
 * real services do, or fail as they fail (drop the connection, stall, send broken bytes). Each request takes the
 * next queued {@link Scenario}, or the default one. Every request is recorded.
 */
public final class FakeCloudServer implements AutoCloseable {
    private final ServerSocket server;
    private final ExecutorService connections = Executors.newVirtualThreadPerTaskExecutor();
    private final Queue<Scenario> queued = new ConcurrentLinkedQueue<>();
    private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger open = new AtomicInteger();
    private volatile Scenario fallback;
    private volatile Consumer<Exchange> onFinished = e -> {
    };

    public FakeCloudServer(Scenario fallback) throws IOException {
        this.fallback = fallback;
        this.server = new ServerSocket(0, 1024, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "fake-cloud-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** {@code http://127.0.0.1:<port>}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    /** Answers the next requests with these scenarios, in order, before falling back to the default. */
    public FakeCloudServer then(Scenario... scenarios) {
        queued.addAll(List.of(scenarios));
        return this;
    }

    public void answerByDefault(Scenario scenario) {
        fallback = scenario;
    }

    /** Called after every exchange (for timing in benchmarks). */
    public void onFinished(Consumer<Exchange> listener) {
        onFinished = listener;
    }

    public List<RecordedRequest> requests() {
        return List.copyOf(requests);
    }

    public RecordedRequest lastRequest() {
        return requests.get(requests.size() - 1);
    }

    public int openConnections() {
        return open.get();
    }

    @Override
    public void close() throws IOException {
        server.close();
        connections.shutdownNow();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                connections.execute(() -> serve(socket));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket socket) {
        open.incrementAndGet();
        try (socket) {
            socket.setTcpNoDelay(true);
            RecordedRequest request = read(new BufferedInputStream(socket.getInputStream()));
            if (request == null) {
                return;
            }
            requests.add(request);
            Scenario scenario = queued.poll();
            Exchange exchange = new Exchange(socket, request);
            try {
                (scenario != null ? scenario : fallback).answer(exchange);
                exchange.end();
            } catch (SocketException e) {
                // the client went away while the server was writing (a cancel, or a timeout)
            }
            onFinished.accept(exchange);
        } catch (IOException e) {
            // the client went away, or sent something that is not HTTP
        } finally {
            open.decrementAndGet();
        }
    }

    private static RecordedRequest read(InputStream in) throws IOException {
        String requestLine = line(in);
        if (requestLine == null || requestLine.isEmpty()) {
            return null;
        }
        String[] parts = requestLine.split(" ");
        Map<String, String> headers = new LinkedHashMap<>();
        String header;
        while ((header = line(in)) != null && !header.isEmpty()) {
            int colon = header.indexOf(':');
            if (colon > 0) {
                headers.put(header.substring(0, colon).strip().toLowerCase(Locale.ROOT),
                        header.substring(colon + 1).strip());
            }
        }
        int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
        byte[] body = in.readNBytes(length);
        return new RecordedRequest(parts[0], parts.length > 1 ? parts[1] : "/", headers,
                new String(body, StandardCharsets.UTF_8));
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                break;
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return b < 0 && line.size() == 0 ? null : line.toString(StandardCharsets.US_ASCII);
    }
}
