package dev.meridian.test.cloudtests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;

import dev.meridian.api.ChatRequest;
import dev.meridian.api.ModelException;
import dev.meridian.api.ModelProvider;
import dev.meridian.test.cloud.FakeCloudServer;
import dev.meridian.test.cloud.OpenAiWire;

/**
 * A sentinel key set in configuration, driven through the failure paths that echo it (a 401 quoting it, an error
 * inside a stream quoting it), then every console command the runtime offers is run, with no argument and with the
 * arguments that show most (bundle ids, component names, the provider's PID). The key must show nowhere: not in what
 * the commands print or throw, not in the log, not in errors, not in service properties; not as is, JSON-escaped,
 * URL-encoded or in Base64. A key that an HTTP header cannot carry is refused without being shown.
 */
class KeySweepTest {
    @InjectBundleContext
    BundleContext context;
    @InjectService
    ConfigurationAdmin cm;
    @InjectService(timeout = 5000)
    CommandProcessor processor;

    @Test
    void aSentinelKeyShowsNowhere() throws Exception {
        String key = "sk-sweep-" + UUID.randomUUID().toString().replace("-", "");
        List<String> seen = new ArrayList<>();
        try (FakeCloudServer server = new FakeCloudServer(OpenAiWire.answer("ok"))) {
            ConfiguredProvider provider = ConfiguredProvider.create(context, cm, "meridian.provider.openai", "sweep",
                    "global", Map.of("baseUrl", server.baseUrl(), ".apiKey", key));
            try (provider) {
                for (String pid : pids(provider.id)) { // the vault takes the key out of the stored configuration
                    long deadline = System.nanoTime() + 5_000_000_000L;
                    while (cm.listConfigurations("(service.pid=" + pid + ")")[0].getProperties().get(".apiKey") != null) {
                        assertThat(System.nanoTime()).as("the key left configuration " + pid).isLessThan(deadline);
                        Thread.sleep(5);
                    }
                }
                server.then(OpenAiWire.invalidKey());
                seen.add(outcome(provider, seen));
                assertThat(server.lastRequest().header("authorization")).as("the key is sent")
                        .isEqualTo("Bearer " + key);
                for (String pid : pids(provider.id)) {
                    seen.addAll(runEveryCommand(List.of(pid, provider.id, "dev.meridian.provider.openai.OpenAiProvider",
                            String.valueOf(bundleOf(provider.id).getBundleId()))));
                }
                for (ServiceReference<?> reference : context.getServiceReferences((String) null, null)) {
                    for (String name : reference.getPropertyKeys()) {
                        seen.add(name + "=" + java.util.Arrays.deepToString(new Object[] { reference.getProperty(
                                name) }));
                    }
                }
            }
            // a key that an HTTP header cannot carry is refused, and the refusal does not show it either
            String broken = "sk-sweep-" + UUID.randomUUID() + "\u200b";
            ConfiguredProvider refused = ConfiguredProvider.create(context, cm, "meridian.provider.openai", "sweep",
                    "global", Map.of("baseUrl", server.baseUrl(), ".apiKey", broken));
            try (refused) {
                String availability = refused.provider.availability().toString();
                assertThat(availability).contains("HTTP header cannot carry");
                seen.add(availability);
                seen.addAll(runEveryCommand(List.of(refused.id)));
                assertForms(broken, seen);
            }
        }
        seen.add(Files.readString(Path.of(context.getProperty("meridian.test.log")), StandardCharsets.UTF_8));
        assertForms(key, seen);
    }

    private static void assertForms(String key, List<String> seen) {
        Set<String> forms = new LinkedHashSet<>(List.of(key, key.toUpperCase(),
                URLEncoder.encode(key, StandardCharsets.UTF_8),
                Base64.getEncoder().encodeToString(key.getBytes(StandardCharsets.UTF_8)),
                key.substring(0, key.length() - 1)));
        for (String text : seen) {
            for (String form : forms) {
                assertThat(text).as("printed text").doesNotContain(form);
            }
        }
    }

    private String outcome(ConfiguredProvider provider, List<String> seen) {
        try {
            return provider.provider.call(ChatRequest.of("hi")).toString();
        } catch (ModelException e) {
            seen.add(String.valueOf(e.provenance()));
            return e.toString();
        }
    }

    private List<String> pids(String id) throws Exception {
        List<String> pids = new ArrayList<>();
        for (var configuration : cm.listConfigurations("(meridian.provider.id=" + id + ")")) {
            pids.add(configuration.getPid());
        }
        return pids;
    }

    private Bundle bundleOf(String id) throws Exception {
        return context.getServiceReferences(ModelProvider.class, "(meridian.provider.id=" + id + ")").iterator()
                .next().getBundle();
    }

    /** Every command of every registered command service, with no argument and with each of {@code arguments}. */
    private List<String> runEveryCommand(List<String> arguments) throws Exception {
        List<String> outputs = new ArrayList<>();
        Set<String> commands = new java.util.TreeSet<>();
        for (ServiceReference<?> reference : context.getServiceReferences((String) null,
                "(osgi.command.scope=*)")) {
            Object scope = reference.getProperty("osgi.command.scope");
            Object functions = reference.getProperty("osgi.command.function");
            for (Object function : functions instanceof Object[] array ? array : new Object[] { functions }) {
                commands.add(scope + ":" + function);
            }
        }
        commands.removeIf(c -> c.matches("(gogo:(exit|shutdown|stop|sh|source|gosh|each|if|not|throw|try|until|"
                + "while|new|set|tac|telnetd|cd|ls|grep|cat|keymap|history|less|jobs|fg|bg)|felix:(stop|uninstall|"
                + "update|refresh|install|resolve|start|frameworklevel|bundlelevel|cd)|scr:(disable|enable|config)|"
                + "ai:(region|consent|chat))"));
        assertThat(commands).as("the runtime's commands").contains("scr:info", "scr:list", "felix:inspect",
                "felix:headers", "felix:lb", "ai:providers");
        for (String command : commands) {
            outputs.add(run(command));
            for (String argument : arguments) {
                outputs.add(run(command + " '" + argument + "'"));
            }
        }
        outputs.add(run("felix:inspect capability service"));
        outputs.add(run("felix:inspect requirement service"));
        return outputs;
    }

    private String run(String command) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
        try (CommandSession session = processor.createSession(new ByteArrayInputStream(new byte[0]), print, print)) {
            Object result = session.execute(command);
            return command + "\n" + out.toString(StandardCharsets.UTF_8) + (result == null ? ""
                    : session.format(result, Converter.INSPECT));
        } catch (Exception e) {
            return command + "\n" + out.toString(StandardCharsets.UTF_8) + "\nERROR " + e;
        }
    }
}
