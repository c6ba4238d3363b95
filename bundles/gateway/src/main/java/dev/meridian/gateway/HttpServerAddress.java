package dev.meridian.gateway;

import java.io.IOException;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Objects;

import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts the gateway's {@code host} and {@code port} into the HTTP server's own configuration ({@code
 * org.apache.felix.http}), so operators configure one PID. A refused gateway configuration (a public address
 * without tokens) changes nothing: the server stays where it was, on loopback unless configured otherwise.
 */
@Component(configurationPid = GatewayConfig.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL)
public final class HttpServerAddress {
    static final String HTTP_PID = "org.apache.felix.http";
    static final String HOST = "org.apache.felix.http.host";
    static final String PORT = "org.osgi.service.http.port";
    private static final Logger LOG = LoggerFactory.getLogger(HttpServerAddress.class);

    private final ConfigurationAdmin cm;

    @Activate
    public HttpServerAddress(@Reference ConfigurationAdmin cm, GatewayConfig config) throws IOException {
        this.cm = cm;
        apply(config);
    }

    @Modified
    void apply(GatewayConfig config) throws IOException {
        GatewaySettings settings;
        try {
            settings = GatewaySettings.from(config);
        } catch (IllegalArgumentException e) {
            return; // the gateway servlet logs the refusal
        }
        Configuration server = cm.getConfiguration(HTTP_PID, "?");
        Dictionary<String, Object> current = server.getProperties();
        if (current != null && Objects.equals(current.get(HOST), settings.host())
                && Objects.equals(String.valueOf(current.get(PORT)), String.valueOf(settings.port()))) {
            return;
        }
        Dictionary<String, Object> properties = current == null ? new Hashtable<>() : current;
        properties.put(HOST, settings.host());
        properties.put(PORT, settings.port());
        // one virtual thread per request: hundreds of open streams cost no pool of platform threads
        properties.put("org.apache.felix.http.jetty.virtualthreads.enable", true);
        properties.put("org.apache.felix.http.jetty.sendServerHeader", false);
        LOG.info("Gateway: HTTP server on {}:{}", settings.host(), settings.port());
        server.update(properties);
    }
}
