package dev.meridian.conformance;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Dictionary;
import java.util.HexFormat;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;

import org.osgi.framework.BundleContext;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.MetaTypeService;

import dev.meridian.api.ModelProvider;
import dev.meridian.api.routing.Routing;
import dev.meridian.test.cloud.FakeCloudServer;
import dev.meridian.test.trust.DevelopmentTrust;

/**
 * The conformance kit's run: started by {@code runtime/bin/meridian-conformance} in a framework of its own (the
 * host's bundles and the wire fakes), it installs the provider bundle named on the command line, runs every check
 * against it, prints one line per check and {@code N passed, N failed}, and ends the JVM with status 1 on any
 * failure (2 when the command line or the bundle cannot be used at all). Does nothing in a framework that was not
 * started for it (no {@code meridian.conformance.args}).
 */
@Component(immediate = true)
public final class ConformanceKit {
    static final String ARGS = "meridian.conformance.args";

    private final BundleContext context;
    private final ConfigurationAdmin cm;
    private final MetaTypeService metatype;
    private final Routing routing;
    private final ModelProvider routed;

    @Activate
    public ConformanceKit(BundleContext context, @Reference ConfigurationAdmin cm, @Reference MetaTypeService metatype,
            @Reference Routing routing, @Reference(target = ModelProvider.ROUTED_FILTER) ModelProvider routed) {
        this.context = context;
        this.cm = cm;
        this.metatype = metatype;
        this.routing = routing;
        this.routed = routed;
        String args = context.getProperty(ARGS);
        if (args != null) {
            Thread.ofPlatform().name("meridian-conformance").start(() -> System.exit(run(args)));
        }
    }

    private int run(String args) {
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true,
                StandardCharsets.UTF_8);
        KitArguments arguments;
        Path log = Path.of(String.valueOf(context.getProperty("meridian.conformance.log")));
        String key = "sk-conformance-" + HexFormat.of().formatHex(new SecureRandom().generateSeed(16));
        Evidence evidence = new Evidence(key, log);
        Subject subject;
        try {
            arguments = KitArguments.parse(Arrays.asList(args.split("\n", -1)));
            trust(arguments.trust());
            evidence.capture();
            subject = new Subject(context, cm, metatype, arguments.bundle(), arguments.pid(), arguments.config(),
                    key);
        } catch (Exception e) {
            out.println("meridian-conformance: " + e.getMessage());
            return 2;
        }
        out.printf("meridian-conformance: %s (%s %s), factory PID %s; trust: %s%n", arguments.bundle().getFileName(),
                subject.bundle.getSymbolicName(), subject.bundle.getVersion(), subject.factoryPid, routing.trust());
        KitWire wire = arguments.wire();
        try (FakeCloudServer server = new FakeCloudServer(wire.answer("Hello"))) {
            subject.pointAt(server.baseUrl());
            ContractChecks contract = new ContractChecks(subject, server, wire, routing, evidence);
            List<Check> checks = new ArrayList<>(contract.checks());
            checks.addAll(new WireChecks(subject, server, wire, evidence).checks());
            checks.addAll(new LifecycleChecks(context, cm, routing, routed, subject, server, wire, evidence,
                    contract).checks());
            int passed = 0;
            int failed = 0;
            for (Check check : checks) {
                if (check.notApplicable() != null) {
                    out.printf("n/a   %s: %s%n", check.name(), check.notApplicable());
                    continue;
                }
                long start = System.nanoTime();
                try {
                    check.body().run();
                    passed++;
                    out.printf("PASS  %s (%d ms)%n", check.name(), Duration.ofNanos(System.nanoTime() - start)
                            .toMillis());
                } catch (Violation broken) {
                    failed++;
                    out.printf("FAIL  %s: %s: %s%n", check.name(), broken.rule(), broken.getMessage());
                } catch (Exception | AssertionError e) {
                    failed++;
                    out.printf("FAIL  %s: the check could not run: %s%n", check.name(), e);
                }
            }
            out.printf("log: %s%n", log);
            out.printf("%d passed, %d failed%n", passed, failed);
            return failed == 0 ? 0 : 1;
        } catch (Exception e) {
            out.println("meridian-conformance: the fake server did not start: " + e);
            return 2;
        }
    }

    /** The trust configuration the bundle is checked against: the file given, else the development signer's. */
    private void trust(Path file) throws Exception {
        if (file == null) {
            DevelopmentTrust.apply(context, cm, routing);
            return;
        }
        Dictionary<String, Object> properties = new Hashtable<>();
        for (Map.Entry<String, Object> entry : KitArguments.read(file).entrySet()) {
            properties.put(entry.getKey(), resolve(entry.getValue()));
        }
        DevelopmentTrust.write(cm, properties);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (routing.trust().signers().isEmpty() && routing.trust().problem() == null
                && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    /** {@code ${name}} in a trust file is a framework property, as in the runtime's conf/. */
    private Object resolve(Object value) {
        if (value instanceof String[] texts) {
            return Arrays.stream(texts).map(this::resolveText).toArray(String[]::new);
        }
        return value instanceof String text ? resolveText(text) : value;
    }

    private String resolveText(String text) {
        java.util.regex.Matcher matcher = java.util.regex.Pattern.compile("\\$\\{([^}]+)}").matcher(text);
        return matcher.replaceAll(m -> java.util.regex.Matcher.quoteReplacement(
                String.valueOf(context.getProperty(m.group(1)))));
    }
}
