package dev.meridian.gateway;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.metatype.MetaTypeService;
import org.osgi.service.servlet.whiteboard.propertytypes.HttpWhiteboardServletPattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.meridian.api.routing.Routing;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The operators' page at {@value #PATH}/: the active region and where it came from, its policy, every provider
 * with scope, allowed, availability and reason, trust, counters and latencies, and its settings with their
 * defaults (metatype), refreshed every second. Switching
 * the region needs an operator token ({@code operatorTokenHashes}) and a confirmation that repeats the region.
 * The page itself holds no data until the gateway's token (when one is required) is given.
 */
@Component(service = Servlet.class, configurationPid = GatewayConfig.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL)
@HttpWhiteboardServletPattern(OperatorPage.PATH + "/*")
public final class OperatorPage extends HttpServlet {
    static final String PATH = "/meridian";
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(OperatorPage.class);

    private final transient Routing routing;
    private final transient Tokens tokens;
    private final transient Tokens operators;
    private final transient ProviderSettings settings;
    private final String template;

    @Activate
    public OperatorPage(@Reference Routing routing, GatewayConfig config, BundleContext context,
            @Reference(cardinality = ReferenceCardinality.OPTIONAL) MetaTypeService metatype) throws IOException {
        this.routing = routing;
        this.settings = new ProviderSettings(context, metatype);
        GatewaySettings settings = GatewaySettings.from(config);
        this.tokens = new Tokens(settings.tokenHashes());
        this.operators = new Tokens(settings.operatorTokenHashes());
        try (InputStream page = OperatorPage.class.getResourceAsStream("operators.html")) {
            this.template = new String(page.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        response.setHeader("Cache-Control", "no-store");
        response.setHeader("X-Frame-Options", "DENY");
        String path = request.getPathInfo() == null ? "" : request.getPathInfo();
        switch (request.getMethod() + " " + path) {
            case "GET /", "GET " -> page(request, response);
            case "GET /status.json" -> {
                if (authorized(request, response, tokens)) {
                    GatewayServlet.send(response, 200, OperatorStatus.of(routing, settings));
                }
            }
            case "POST /region" -> switchRegion(request, response);
            default -> GatewayServlet.send(response, 404,
                    message("no such page: " + request.getMethod() + " " + PATH + path));
        }
    }

    /** The page with the status inside it, so it shows at once; its script keeps it current. */
    private void page(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (request.getPathInfo() == null) {
            response.sendRedirect(PATH + "/");
            return;
        }
        String status = tokens.accepts(request.getHeader("Authorization"))
                ? OpenAiShapes.JSON.writeValueAsString(OperatorStatus.of(routing, settings)) : "null";
        String html = template.replace("/*STATUS*/null", status.replace("</", "<\\/"))
                .replace("/*SWITCHING*/false", Boolean.toString(operators.required()));
        byte[] bytes = html.getBytes(StandardCharsets.UTF_8);
        response.setHeader("Content-Security-Policy", "default-src 'self'; script-src 'unsafe-inline' 'self'; "
                + "style-src 'unsafe-inline'");
        response.setContentType("text/html");
        response.setCharacterEncoding("UTF-8");
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }

    /** {@code {"region": "CN", "confirm": "CN"}} with an operator token. */
    private void switchRegion(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (!operators.required()) {
            GatewayServlet.skipSmallBody(request);
            GatewayServlet.send(response, 403, message("switching the region here is off: set operatorTokenHashes in "
                    + "meridian.gateway"));
            return;
        }
        if (!authorized(request, response, operators)) {
            return;
        }
        JsonNode body;
        try (InputStream in = request.getInputStream()) {
            body = OpenAiShapes.JSON.readTree(in.readNBytes(4096));
        } catch (IOException e) {
            GatewayServlet.send(response, 400, message("the body must be JSON: {\"region\": ..., \"confirm\": ...}"));
            return;
        }
        String region = body == null ? "" : body.path("region").asText("");
        if (region.isEmpty() || !region.equals(body.path("confirm").asText(""))) {
            GatewayServlet.send(response, 400, message("confirm the switch: \"confirm\" must repeat the region"));
            return;
        }
        try {
            String before = routing.activeRegion();
            routing.selectRegion(region);
            LOG.info("Operators' page: region switched from {} to {}", before, region);
            GatewayServlet.send(response, 200, OperatorStatus.of(routing, settings));
        } catch (IllegalArgumentException e) {
            GatewayServlet.send(response, 400, message(e.getMessage()));
        }
    }

    private static boolean authorized(HttpServletRequest request, HttpServletResponse response, Tokens accepted)
            throws IOException {
        if (accepted.accepts(request.getHeader("Authorization"))) {
            return true;
        }
        GatewayServlet.skipSmallBody(request);
        GatewayServlet.send(response, 401, message("a valid bearer token is required"));
        return false;
    }

    private static ObjectNode message(String text) {
        ObjectNode node = OpenAiShapes.JSON.createObjectNode();
        node.putObject("error").put("message", text);
        return node;
    }
}
