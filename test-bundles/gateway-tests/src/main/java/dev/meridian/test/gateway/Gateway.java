package dev.meridian.test.gateway;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Map;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The gateway as a client sees it: its address, read from the servlet runtime, and plain HTTP calls. */
final class Gateway {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    record Reply(int status, JsonNode body, HttpResponse<String> raw) {
        String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }
    }

    private Gateway() {
    }

    /** Sets {@code meridian.gateway} (port 0: any free port) and waits until the servlet answers. */
    static URI configure(BundleContext context, ConfigurationAdmin cm, Map<String, Object> settings, String token)
            throws Exception {
        Configuration gateway = cm.getConfiguration("meridian.gateway", "?");
        Dictionary<String, Object> properties = new Hashtable<>();
        properties.put("port", 0);
        settings.forEach(properties::put);
        // the same settings again must not restart the servlet: a restart after the wait below passed on the old
        // registration left a moment of Jetty 404s for the next request (seen in CI)
        gateway.updateIfDifferent(properties);
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            URI base = endpoint(context);
            if (base != null) {
                try {
                    HttpResponse<String> health = CLIENT.send(HttpRequest.newBuilder(base.resolve("health"))
                            .header("Authorization", "Bearer " + token)
                            .build(), HttpResponse.BodyHandlers.ofString());
                    if (gatewaySettled(context, settings) && health.statusCode() != 404) {
                        return base;
                    }
                } catch (IOException e) {
                    // the server is restarting on its new address
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the gateway did not come up with " + settings);
    }

    /** The configurable keys: a servlet carries the settings just made, the others at their defaults. */
    private static final java.util.List<String> KEYS = java.util.List.of("host", "tokenHashes", "operatorTokenHashes",
            "maxBodyBytes", "maxStreams", "corsOrigins", "drainSeconds");
    private static final Map<String, Object> DEFAULTS = Map.of("host", "127.0.0.1", "maxBodyBytes", 1 << 20,
            "maxStreams", 64, "drainSeconds", 10);

    private static boolean gatewaySettled(BundleContext context, Map<String, Object> settings) throws Exception {
        // the servlet component carries its configuration: wait until it is the one just set
        ServiceReference<?>[] servlets = context.getServiceReferences("jakarta.servlet.Servlet",
                "(component.name=dev.meridian.gateway.GatewayServlet)");
        if (servlets == null) {
            return false;
        }
        if (!inJetty(context, (Long) servlets[0].getProperty("service.id"))) {
            return false; // registered, but the whiteboard has not put it into Jetty yet: requests would get 404s
        }
        for (String key : KEYS) {
            Object actual = servlets[0].getProperty(key);
            Object expected = settings.getOrDefault(key, DEFAULTS.get(key));
            if (!java.util.Objects.deepEquals(actual, expected)
                    && !String.valueOf(actual).equals(String.valueOf(expected))) {
                return false;
            }
        }
        return true;
    }

    /** Whether the whiteboard serves the servlet registered as {@code serviceId}. */
    private static boolean inJetty(BundleContext context, long serviceId) {
        ServiceReference<org.osgi.service.servlet.runtime.HttpServiceRuntime> reference = context
                .getServiceReference(org.osgi.service.servlet.runtime.HttpServiceRuntime.class);
        if (reference == null) {
            return false;
        }
        org.osgi.service.servlet.runtime.HttpServiceRuntime runtime = context.getService(reference);
        try {
            return runtime != null && java.util.Arrays.stream(runtime.getRuntimeDTO().servletContextDTOs)
                    .flatMap(c -> java.util.Arrays.stream(c.servletDTOs)).anyMatch(s -> s.serviceId == serviceId);
        } finally {
            context.ungetService(reference);
        }
    }

    /** The HTTP server's address, e.g. {@code http://127.0.0.1:41234/}, or {@code null} before it runs. */
    static URI endpoint(BundleContext context) throws Exception {
        ServiceReference<?>[] runtimes = context.getServiceReferences(
                "org.osgi.service.servlet.runtime.HttpServiceRuntime", null);
        if (runtimes == null) {
            return null;
        }
        Object endpoint = runtimes[0].getProperty("osgi.http.endpoint");
        String first = endpoint instanceof String[] all ? (all.length == 0 ? null : all[0])
                : endpoint instanceof java.util.Collection<?> c ? (c.isEmpty() ? null : c.iterator().next().toString())
                        : (String) endpoint;
        if (first == null) {
            return null;
        }
        return URI.create(first.endsWith("/") ? first : first + "/");
    }

    static Reply post(URI base, String path, String body, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return reply(CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString()));
    }

    static Reply get(URI base, String path, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return reply(CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString()));
    }

    private static Reply reply(HttpResponse<String> response) throws IOException {
        JsonNode body = null;
        String type = response.headers().firstValue("Content-Type").orElse("");
        if (type.startsWith("application/json")) {
            body = JSON.readTree(response.body());
        }
        return new Reply(response.statusCode(), body, response);
    }

    /** A chat request body. */
    static String chat(String model, String text, String extra) {
        return "{\"model\":" + JSON.valueToTree(model) + ",\"messages\":[{\"role\":\"user\",\"content\":"
                + JSON.valueToTree(text) + "}]" + (extra.isEmpty() ? "" : "," + extra) + "}";
    }
}
