package dev.meridian.gateway;

import java.util.Collection;

import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

import jakarta.servlet.Servlet;

/** {@code ai:gateway}: where the gateway and the operators' page answer, and whether they serve. */
@Component(service = GatewayCommand.class, property = { "osgi.command.scope=ai", "osgi.command.function=gateway" })
public final class GatewayCommand {
    private final BundleContext context;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            target = "(component.name=dev.meridian.gateway.GatewayServlet)")
    private volatile Servlet servlet;

    @Activate
    public GatewayCommand(BundleContext context) {
        this.context = context;
    }

    public String gateway() throws InvalidSyntaxException {
        String endpoint = endpoint();
        StringBuilder out = new StringBuilder();
        if (endpoint == null) {
            return "Gateway: the HTTP server is not running";
        }
        if (!(servlet instanceof GatewayServlet gateway)) {
            return "Gateway: not serving (its configuration, meridian.gateway, was refused; see the log)\n"
                    + "HTTP server: " + endpoint;
        }
        out.append("Gateway (OpenAI-compatible): ").append(endpoint).append("v1\n");
        out.append("Operators' page: ").append(endpoint).append(OperatorPage.PATH.substring(1)).append("/\n");
        out.append("Tokens: ").append(gateway.tokensRequired() ? "required (Authorization: Bearer TOKEN)"
                : "none (loopback only)").append('\n');
        out.append("Open requests: ").append(gateway.active());
        return out.toString();
    }

    /** The HTTP server's address as the servlet runtime publishes it, e.g. {@code http://127.0.0.1:11480/}. */
    private String endpoint() throws InvalidSyntaxException {
        Collection<ServiceReference<?>> runtimes = java.util.Arrays.asList(java.util.Objects.requireNonNullElse(
                context.getServiceReferences("org.osgi.service.servlet.runtime.HttpServiceRuntime", null),
                new ServiceReference<?>[0]));
        for (ServiceReference<?> runtime : runtimes) {
            Object value = runtime.getProperty("osgi.http.endpoint");
            String first = value instanceof String[] all ? (all.length == 0 ? null : all[0])
                    : value instanceof Collection<?> c ? (c.isEmpty() ? null : String.valueOf(c.iterator().next()))
                            : (String) value;
            if (first != null) {
                return first.endsWith("/") ? first : first + "/";
            }
        }
        return null;
    }
}
