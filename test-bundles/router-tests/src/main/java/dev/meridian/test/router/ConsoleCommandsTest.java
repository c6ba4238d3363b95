package dev.meridian.test.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;


import org.apache.felix.service.command.CommandProcessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;

import dev.meridian.api.ErrorKind;
import dev.meridian.api.routing.Routing;
import dev.meridian.test.trust.DevelopmentTrust;

/** The ai:* commands, run through the real Gogo command processor and checked on their output. */
class ConsoleCommandsTest {
    @InjectBundleContext
    BundleContext context;
    @InjectService
    ConfigurationAdmin cm;
    @InjectService
    Routing routing;
    @InjectService(timeout = 5000)
    CommandProcessor processor;

    private Configuration console;
    private Configuration other;

    @BeforeEach
    void setUp() throws Exception {
        DevelopmentTrust.apply(context, cm, routing);
        console = Policies.policy(cm, "CONSOLE", new String[] { "device", "cn-mainland" },
                new String[] { "con-cloud", "con-local", "con-missing" });
        other = Policies.policy(cm, "CONSOLE2", new String[] { "global" }, new String[0]);
        Policies.await(() -> routing.policies().containsKey("CONSOLE") && routing.policies().containsKey("CONSOLE2"),
                "console policies are active");
        Policies.region(cm, "CONSOLE");
        Policies.await(() -> routing.activeRegion().equals("CONSOLE"), "region CONSOLE is active");
        ScriptedProvider.answering("con-local", "device", "Hello", " from", " the", " device").register(context);
        ScriptedProvider.failing("con-cloud", "cn-mainland", ErrorKind.QUOTA_EXHAUSTED, 0).register(context);
        ScriptedProvider.answering("con-gpt", "global", "hi").register(context);
    }

    @AfterEach
    void tearDown() throws Exception {
        console.delete();
        other.delete();
    }

    private String run(String command) throws Exception {
        return Console.run(processor, command);
    }

    @Test
    void providersPrintsATableInRoutingOrder() throws Exception {
        String table = run("ai:providers");
        assertThat(table).contains("Region CONSOLE").contains("ID").contains("SCOPE").contains("AVAILABILITY")
                .contains("IN-FLIGHT").contains("REQUESTS").contains("ERRORS").contains("LATENCY");
        assertThat(table.indexOf("con-cloud")).isLessThan(table.indexOf("con-local"));
        assertThat(table.indexOf("con-local")).isLessThan(table.indexOf("con-gpt"));
        assertThat(table).contains("Region CONSOLE (from configuration)");
        assertThat(table).containsPattern("con-gpt\\s+global\\s+no: scope global not allowed in CONSOLE\\s+"
                + "trusted \\(signer [0-9a-f]{16}\\)\\s+available");
        assertThat(table).containsPattern("con-local\\s+device\\s+yes\\s+trusted \\(signer [0-9a-f]{16}\\)\\s+"
                + "available\\s+con-local-model");
    }

    @Test
    void regionShowsAndSets() throws Exception {
        assertThat(run("ai:region")).contains("Active region: CONSOLE").contains("Allowed scopes: device, cn-mainland")
                .contains("CONSOLE2");
        assertThat(run("ai:region console2")).contains("Active region: CONSOLE2");
        assertThat(routing.activeRegion()).isEqualTo("CONSOLE2");
        assertThatThrownBy(() -> run("ai:region ATLANTIS")).hasMessageContaining("no policy for region ATLANTIS")
                .hasMessageContaining("CONSOLE2");
        assertThatThrownBy(() -> run("ai:region 'not valid!'")).hasMessageContaining("region must be a name");
        assertThat(routing.activeRegion()).isEqualTo("CONSOLE2");
    }

    @Test
    void policyShowsScopesAndPreference() throws Exception {
        assertThat(run("ai:policy")).contains("Region: CONSOLE (active)")
                .contains("Preference: con-cloud, con-local, con-missing (not registered)");
        assertThat(run("ai:policy CONSOLE2")).contains("Allowed scopes: global");
        assertThatThrownBy(() -> run("ai:policy NOWHERE")).hasMessageContaining("no policy for region NOWHERE");
    }

    @Test
    void chatStreamsTextThenProvenanceAndCountsInStats() throws Exception {
        String output = run("ai:chat -n 16 -t 0.5 say hello");
        assertThat(output).contains("Hello from the device")
                .contains("provider=con-local").contains("region=CONSOLE").contains("scope=device")
                .contains("attempts=2").contains("finish=stop");
        assertThat(run("ai:stats")).containsPattern("con-cloud\\s+\\d+").contains("quota-exhausted")
                .containsPattern("con-local\\s+\\d+");
        assertThat(run("ai:chat -p con-local hi")).contains("provider=con-local").contains("attempts=1");
    }

    @Test
    void wrongArgumentsGetAClearMessage() throws Exception {
        assertThatThrownBy(() -> run("ai:chat")).hasMessageContaining("ai:chat needs a prompt");
        assertThatThrownBy(() -> run("ai:chat -n -3 hi")).hasMessageContaining("--max-tokens must be positive");
        assertThatThrownBy(() -> run("ai:chat -t 7 hi")).hasMessageContaining("--temperature must be between 0 and 2");
        assertThatThrownBy(() -> run("ai:chat -p con-gpt hi")).hasMessageContaining("region-blocked");
        assertThatThrownBy(() -> run("ai:chat -n lots hi")).isInstanceOf(IllegalArgumentException.class);
        // the console still works afterwards
        assertThat(run("ai:region")).contains("Active region: CONSOLE");
    }
}
