package dev.meridian.conformance;

import static dev.meridian.conformance.Violation.require;

import java.time.Duration;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;

import org.osgi.framework.BundleContext;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import dev.meridian.api.ChatRequest;
import dev.meridian.api.GenerationOptions;
import dev.meridian.api.ModelProvider;
import dev.meridian.api.routing.Routing;
import dev.meridian.test.cloud.FakeCloudServer;
import dev.meridian.test.soak.BundleSoak;

/**
 * What a device that runs for years needs of a bundle: updated in place 20 times under load through the router,
 * it leaves no thread and no class loader behind; and nothing it showed, anywhere, holds its key.
 */
final class LifecycleChecks {
    static final String REGION = "CONFORMANCE";

    private final BundleContext context;
    private final ConfigurationAdmin cm;
    private final Routing routing;
    private final ModelProvider routed;
    private final Subject subject;
    private final FakeCloudServer server;
    private final KitWire wire;
    private final Evidence evidence;
    private final ContractChecks contract;

    LifecycleChecks(BundleContext context, ConfigurationAdmin cm, Routing routing, ModelProvider routed,
            Subject subject, FakeCloudServer server, KitWire wire, Evidence evidence, ContractChecks contract) {
        this.context = context;
        this.cm = cm;
        this.routing = routing;
        this.routed = routed;
        this.subject = subject;
        this.server = server;
        this.wire = wire;
        this.evidence = evidence;
        this.contract = contract;
    }

    List<Check> checks() {
        return List.of(Check.of("no-leak-after-20-updates", this::updates),
                Check.when(subject.takesKey(), "it takes no API key", "key-never-shown", this::key));
    }

    private void updates() throws Exception {
        server.answerByDefault(wire.answer("Hello", " again"));
        try (Subject.Instance instance = subject.configure("soak", Map.of())) {
            Configuration policy = cm.getFactoryConfiguration(Routing.POLICY_FACTORY_PID, REGION, "?");
            Dictionary<String, Object> properties = new Hashtable<>();
            properties.put("region", REGION);
            properties.put("scopes", new String[] { instance.scope() });
            properties.put("preference", new String[] { instance.id() });
            policy.update(properties);
            awaitPolicy();
            routing.selectRegion(REGION);
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!REGION.equals(routing.activeRegion()) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            BundleSoak.Report report = BundleSoak.run(context, routed, List.of(subject.bundle),
                    List.of(instance.id()), () -> ChatRequest.of("hi").withOptions(GenerationOptions.DEFAULTS
                            .withMaxTokens(8)), 1, 20, Duration.ofSeconds(20));
            System.out.println("    " + report);
            // the running revision's own threads are new by name; a leak shows as more threads than before
            require(report.threadsAfter() <= report.threadsBefore(), "no thread left after 20 update cycles",
                    (report.threadsAfter() - report.threadsBefore()) + " more threads than before the updates: "
                            + report.newThreads());
            require(report.oldRevisionsReachable() == 0, "no class loader left after 20 update cycles",
                    report.oldRevisionsReachable() + " of " + report.oldRevisions()
                            + " old revisions still reachable after 20 s of GC");
            if (contract.trustedScope() && !report.failures().isEmpty()) {
                throw new Violation("no failed request during updates", report.failures().size()
                        + " requests failed, first: " + report.failures().get(0));
            }
        }
    }

    private void awaitPolicy() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!routing.policies().containsKey(REGION) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    private void key() throws Exception {
        List<String> shown = evidence.whereTheKeyShows();
        require(shown.isEmpty(), "no key in anything printed", "the sentinel key showed " + String.join("; ", shown));
    }
}
