package dev.meridian.console;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import dev.meridian.api.ChatRequest;
import dev.meridian.api.Completion;
import dev.meridian.api.Consent;
import dev.meridian.api.GenerationOptions;
import dev.meridian.api.ModelProvider;
import dev.meridian.api.StreamHandle;
import dev.meridian.api.StreamListener;
import dev.meridian.api.routing.ProviderStats;
import dev.meridian.api.routing.ProviderStatus;
import dev.meridian.api.routing.RegionPolicy;
import dev.meridian.api.routing.RegionSetting;
import dev.meridian.api.routing.TrustSettings;
import dev.meridian.api.routing.Routing;

/**
 * The {@code ai:*} console commands. Thin: each reads or changes the router through the API and returns text.
 * Wrong arguments end in an {@link IllegalArgumentException} whose message says what is expected.
 */
@Component(service = AiCommands.class)
@GogoCommand(scope = "ai", function = { "providers", "region", "policy", "chat", "stats", "consent", "trust" })
public final class AiCommands {
    private final Routing routing;
    private final ModelProvider routed;

    @Activate
    public AiCommands(@Reference Routing routing,
            @Reference(target = ModelProvider.ROUTED_FILTER) ModelProvider routed) {
        this.routing = routing;
        this.routed = routed;
    }

    @Descriptor("list the model providers: id, scope, availability, models and counters, in routing order")
    public String providers() {
        List<ProviderStatus> providers = routing.providers();
        if (providers.isEmpty()) {
            return "No model provider is registered. Deploy a provider bundle into the deploy/ folder.\n";
        }
        TextTable table = new TextTable("ID", "SCOPE", "ALLOWED", "TRUST", "AVAILABILITY", "MODELS", "IN-FLIGHT",
                "REQUESTS", "ERRORS", "LATENCY(p50)");
        for (ProviderStatus p : providers) {
            ProviderStats s = p.stats();
            table.row(p.id(), p.scope(), p.allowed() ? "yes" : "no: " + p.refusal(), p.trust(), p.availability(),
                    p.models().isEmpty() ? "-" : String.join(",", p.models()), s.inFlight(), s.requests(),
                    s.errorCount(), millis(s.medianLatency()));
        }
        return regionLine() + table;
    }

    /** The active region and where it came from; says loudly when it blocks every request. */
    private String regionLine() {
        RegionSetting setting = routing.regionSetting();
        if (setting.isInvalid()) {
            return "Region INVALID: " + setting.problem() + "\nEvery request is refused until a valid region is set "
                    + "(ai:region NAME).\n";
        }
        return "Region " + setting.region() + " (from " + setting.source().label() + ")"
                + (routing.activePolicy().isEmpty() ? ": no policy names it, every request is refused" : "") + "\n";
    }

    @Descriptor("show the active region, where it comes from, and its policy")
    public String region() {
        Optional<RegionPolicy> policy = routing.activePolicy();
        RegionSetting setting = routing.regionSetting();
        String active = setting.isInvalid()
                ? "Active region: INVALID (" + setting.problem() + ")\nEvery request is refused until a valid "
                        + "region is set (ai:region NAME).\n"
                : "Active region: " + setting.region() + "\nSource: " + setting.source().label() + "\n"
                        + policy.map(p -> "Allowed scopes: " + String.join(", ", p.scopes()) + "\n")
                                .orElse("No policy names this region: every request fails closed.\n");
        return active + "Known regions: " + String.join(", ", routing.policies().keySet()) + "\n";
    }

    @Descriptor("make a region the active one (it must have a policy)")
    public String region(@Descriptor("region name, e.g. CN, GLOBAL, EU") String region) {
        routing.selectRegion(region);
        return region();
    }

    @Descriptor("show the active region's policy")
    public String policy() {
        return routing.activePolicy().map(this::describe)
                .orElse("No policy for the active region " + routing.activeRegion() + "; known regions: "
                        + String.join(", ", routing.policies().keySet()) + "\n");
    }

    @Descriptor("show the policy of a region")
    public String policy(@Descriptor("region name") String region) {
        RegionPolicy policy = routing.policies().get(region.strip().toUpperCase(java.util.Locale.ROOT));
        if (policy == null) {
            throw new IllegalArgumentException("no policy for region " + region + "; known regions: "
                    + String.join(", ", routing.policies().keySet()));
        }
        return describe(policy);
    }

    private String describe(RegionPolicy policy) {
        List<String> registered = routing.providers().stream().map(ProviderStatus::id).toList();
        StringBuilder out = new StringBuilder();
        out.append("Region: ").append(policy.region())
                .append(policy.region().equals(routing.activeRegion()) ? " (active)" : "").append('\n');
        out.append("Allowed scopes: ").append(String.join(", ", policy.scopes())).append('\n');
        out.append("Consent required: ").append(policy.consentRequired().isEmpty() ? "(none)"
                : String.join(", ", policy.consentRequired())).append('\n');
        out.append("Label: ").append(policy.label() == null ? "(none)" : policy.label()).append('\n');
        out.append("Preference: ");
        if (policy.preference().isEmpty()) {
            out.append("(none: by ranking)");
        }
        for (int i = 0; i < policy.preference().size(); i++) {
            String id = policy.preference().get(i);
            out.append(i == 0 ? "" : ", ").append(id).append(registered.contains(id) ? "" : " (not registered)");
        }
        return out.append('\n').toString();
    }

    @Descriptor("send a prompt through the router; streams the answer, then provenance and usage")
    public String chat(CommandSession session,
            @Descriptor("only this provider id (still subject to the region's policy)")
            @Parameter(names = { "-p", "--provider" }, absentValue = "") String provider,
            @Descriptor("model name") @Parameter(names = { "-m", "--model" }, absentValue = "") String model,
            @Descriptor("maximum tokens to generate") @Parameter(names = { "-n", "--max-tokens" },
                    absentValue = "0") int maxTokens,
            @Descriptor("sampling temperature, 0 to 2") @Parameter(names = { "-t", "--temperature" },
                    absentValue = "-1") double temperature,
            @Descriptor("the prompt") String... prompt) throws InterruptedException {
        if (prompt.length == 0 || String.join(" ", prompt).isBlank()) {
            throw new IllegalArgumentException("ai:chat needs a prompt, e.g. ai:chat -n 64 \"Hello there\"");
        }
        if (maxTokens < 0) {
            throw new IllegalArgumentException("--max-tokens must be positive, was " + maxTokens);
        }
        if (temperature != -1 && (temperature < 0 || temperature > 2)) {
            throw new IllegalArgumentException("--temperature must be between 0 and 2, was " + temperature);
        }
        GenerationOptions options = GenerationOptions.DEFAULTS.withMaxTokens(maxTokens == 0 ? null : maxTokens)
                .withTemperature(temperature == -1 ? null : temperature);
        ChatRequest request = ChatRequest.of(String.join(" ", prompt)).withOptions(options)
                .withModel(model.isEmpty() ? null : model).withProvider(provider.isEmpty() ? null : provider);
        return stream(request, session.getConsole());
    }

    /** Streams on the command's own thread, so the text goes to this session's console as it arrives. */
    private String stream(ChatRequest request, PrintStream console) throws InterruptedException {
        BlockingQueue<Object> events = new LinkedBlockingQueue<>();
        StreamHandle handle = routed.stream(request, new StreamListener() {
            @Override
            public void onText(String delta) {
                events.add(delta);
            }

            @Override
            public void onReasoning(String delta) {
                events.add(new Reasoning(delta));
            }

            @Override
            public void onComplete(Completion completion) {
                events.add(completion);
            }
        });
        boolean reasoning = false;
        try {
            while (true) {
                Object event = events.take();
                if (event instanceof Completion end) {
                    console.println();
                    console.flush();
                    if (end.error() != null) {
                        throw new IllegalStateException(end.error() + "\n[" + end.provenance() + "]");
                    }
                    String label = end.label() != null && end.label().hasExplicitText()
                            ? end.label().explicitText() + "\n" : "";
                    return label + "[" + end.provenance() + " finish=" + end.finishReason().name().toLowerCase()
                            + (end.label() == null ? "" : " content-id=" + end.label().contentId()) + "]";
                }
                if (event instanceof Reasoning r) {
                    console.print(reasoning ? r.text() : "(thinking) " + r.text());
                    reasoning = true;
                } else {
                    if (reasoning) {
                        console.println();
                        reasoning = false;
                    }
                    console.print(event);
                }
                console.flush();
            }
        } catch (InterruptedException e) {
            handle.cancel(); // Ctrl-C at the console
            throw e;
        }
    }

    private record Reasoning(String text) {
    }

    @Descriptor("grant, revoke or show the user's consent that request data may leave the device for a scope")
    public String consent(@Descriptor("grant | revoke | show") String action,
            @Descriptor("residency scope, e.g. global") String scope) {
        switch (action) {
        case "grant" -> {
            Consent consent = routing.grantConsent(scope);
            return "Consent for scope " + consent.scope() + " granted at " + consent.grantedAt() + "\n";
        }
        case "revoke" -> {
            return routing.revokeConsent(scope) ? "Consent for scope " + scope.strip() + " revoked\n"
                    : "No consent for scope " + scope.strip() + " was recorded\n";
        }
        case "show" -> {
            Consent consent = routing.consents().get(scope.strip());
            return consent == null ? "No consent for scope " + scope.strip() + "\n"
                    : "Consent for scope " + consent.scope() + " granted at " + consent.grantedAt() + "\n";
        }
        default -> throw new IllegalArgumentException(
                "ai:consent takes grant, revoke or show and a scope, e.g. ai:consent grant global; was '" + action
                        + "'");
        }
    }

    @Descriptor("show every consent the user has given")
    public String consent() {
        Map<String, Consent> consents = routing.consents();
        if (consents.isEmpty()) {
            return "No consent recorded.\n";
        }
        StringBuilder out = new StringBuilder();
        consents.values().stream().sorted(java.util.Comparator.comparing(Consent::scope)).forEach(c -> out
                .append("Consent for scope ").append(c.scope()).append(" granted at ").append(c.grantedAt())
                .append('\n'));
        return out.toString();
    }

    @Descriptor("show which signers may ship providers for which scope (configuration meridian.trust)")
    public String trust() {
        TrustSettings trust = routing.trust();
        if (trust.problem() != null) {
            return "Nothing is trusted: " + trust.problem() + "\n";
        }
        StringBuilder out = new StringBuilder();
        new java.util.TreeMap<>(trust.signers()).forEach((scope, signers) -> out.append("Scope ").append(scope)
                .append(": ").append(signers.isEmpty() ? "(no signer)" : String.join(", ", new java.util.TreeSet<>(
                        signers))).append('\n'));
        if (out.isEmpty()) {
            out.append("No scope names a signer.\n");
        }
        if (!trust.unsignedScopes().isEmpty()) {
            out.append("Open to unsigned bundles (development only): ")
                    .append(String.join(", ", new java.util.TreeSet<>(trust.unsignedScopes()))).append('\n');
        }
        return out.toString();
    }

    @Descriptor("show the router's counters per provider id since start")
    public String stats() {
        Map<String, ProviderStats> stats = routing.stats();
        if (stats.isEmpty()) {
            return "No request has been routed yet.\n";
        }
        TextTable table = new TextTable("ID", "REQUESTS", "IN-FLIGHT", "COMPLETED", "ERRORS", "LATENCY(p50)",
                "LATENCY(p99)", "TOKENS/S");
        stats.forEach((id, s) -> table.row(id, s.requests(), s.inFlight(), s.completed(),
                s.errors().isEmpty() ? "0" : s.errors().toString(), millis(s.medianLatency()),
                millis(s.p99Latency()), String.format(java.util.Locale.ROOT, "%.1f", s.tokensPerSecond())));
        return table.toString();
    }

    private static String millis(Duration duration) {
        return duration.isZero() ? "-" : String.format(java.util.Locale.ROOT, "%.1fms", duration.toNanos() / 1e6);
    }
}
