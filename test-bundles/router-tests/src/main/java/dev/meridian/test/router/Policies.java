package dev.meridian.test.router;

import java.io.IOException;
import java.time.Duration;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.function.BooleanSupplier;

import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import dev.meridian.api.routing.Routing;

/** Writes regional configuration through Configuration Admin, as an integrator's deploy folder would. */
final class Policies {
    private Policies() {
    }

    static Configuration policy(ConfigurationAdmin cm, String name, Object scopes, Object preference)
            throws IOException {
        Configuration configuration = cm.getFactoryConfiguration(Routing.POLICY_FACTORY_PID, name, "?");
        Dictionary<String, Object> properties = new Hashtable<>();
        properties.put("region", name);
        properties.put("scopes", scopes);
        properties.put("preference", preference);
        configuration.update(properties);
        return configuration;
    }

    static void region(ConfigurationAdmin cm, Object region) throws IOException {
        Configuration configuration = cm.getConfiguration(Routing.REGION_PID, "?");
        Dictionary<String, Object> properties = new Hashtable<>();
        properties.put("region", region);
        configuration.update(properties);
    }

    /** Configuration Admin delivers asynchronously: wait (bounded) until the router shows the change. */
    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(5);
        }
    }
}
