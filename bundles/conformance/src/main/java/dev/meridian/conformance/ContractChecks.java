package dev.meridian.conformance;

import static dev.meridian.conformance.Violation.require;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.meridian.api.Availability;
import dev.meridian.api.ChatRequest;
import dev.meridian.api.Completion;
import dev.meridian.api.ErrorKind;
import dev.meridian.api.FinishReason;
import dev.meridian.api.GenerationOptions;
import dev.meridian.api.Provenance;
import dev.meridian.api.StreamHandle;
import dev.meridian.api.routing.ProviderStatus;
import dev.meridian.api.routing.Routing;
import dev.meridian.test.cloud.FakeCloudServer;

/**
 * What every provider owes its callers, local or cloud: it registers with what it claims, its signer is trusted
 * for that scope, it answers by the listener contract with provenance and usage, it stops at a cancel, it says
 * why it cannot serve, and it lets a stream in flight finish when it stops.
 */
final class ContractChecks {
    private final Subject subject;
    private final FakeCloudServer server;
    private final KitWire wire;
    private final Routing routing;
    private final Evidence evidence;
    private String scope = "(not registered)";
    private volatile boolean trusted;

    ContractChecks(Subject subject, FakeCloudServer server, KitWire wire, Routing routing, Evidence evidence) {
        this.subject = subject;
        this.server = server;
        this.wire = wire;
        this.routing = routing;
        this.evidence = evidence;
    }

    List<Check> checks() {
        boolean http = subject.speaksHttp();
        List<Check> checks = new ArrayList<>();
        checks.add(Check.of("registers", this::registers));
        checks.add(Check.of("trusted-for-its-scope", this::trusted));
        checks.add(Check.of("listener-contract", this::answers));
        checks.add(Check.of("listener-contract-under-load", this::answersConcurrently));
        checks.add(Check.of("cancel-before-first-token", this::cancelsBeforeTheFirstToken));
        checks.add(Check.of("cancel-during-stream", this::cancelsDuringTheStream));
        checks.add(Check.when(http || subject.attributes.contains("modelFile"),
                "no endpoint or model file the kit can take away", "availability-with-reasons", this::availability));
        checks.add(Check.of("drain-on-deactivate", this::drains));
        return checks;
    }

    String scope() {
        return scope;
    }

    /** Whether the router trusts its signer for its scope (requests through the router fail otherwise). */
    boolean trustedScope() {
        return trusted;
    }

    private void registers() throws Exception {
        try (Subject.Instance instance = subject.configure("registers", Map.of())) {
            Object models = instance.reference().getProperty(dev.meridian.api.ProviderProperties.MODELS);
            scope = instance.scope();
            require(!scope.isBlank() && !scope.equals("null"), "claims a scope", "no meridian.provider.scope");
            require(models != null, "lists its models", "no meridian.provider.models");
            evidence.properties(instance.reference());
        }
    }

    private void trusted() throws Exception {
        try (Subject.Instance instance = subject.configure("trust", Map.of())) {
            ProviderStatus status = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while ((status == null || status.trust().equals("unknown")) && System.nanoTime() < deadline) {
                status = routing.providers().stream().filter(p -> p.id().equals(instance.id())).findFirst()
                        .orElse(null);
                Thread.sleep(10);
            }
            require(status != null, "seen by the router", "the router does not list " + instance.id());
            require(status.trust().startsWith("trusted"), "signed by a signer trusted for its scope",
                    "scope " + instance.scope() + ": " + status.trust() + " (trust: " + routing.trust() + ")");
            trusted = true;
        }
    }

    private void answers() throws Exception {
        server.answerByDefault(wire.answer("Hello", " from", " the", " cloud"));
        try (Subject.Instance instance = subject.configure("answer", subject.roomy())) {
            Recorder recorder = new Recorder();
            instance.provider().stream(ChatRequest.of("Say hello").withOptions(GenerationOptions.DEFAULTS
                    .withMaxTokens(16)), recorder);
            Completion completion = evidence.completion(recorder, Duration.ofSeconds(30));
            Thread.sleep(200); // a second completion, or text after the first, shows up here
            recorder.assertContract();
            require(completion.error() == null, "answers", "the answer failed: " + completion.error());
            require(!recorder.text().isEmpty(), "answers", "no text before the completion");
            if (subject.speaksHttp()) {
                require(recorder.text().equals("Hello from the cloud"), "delivers every delta in order",
                        "text was '" + recorder.text() + "', the server sent 'Hello from the cloud'");
            }
            require(completion.finishReason() == FinishReason.STOP || completion.finishReason() == FinishReason.LENGTH,
                    "finishes", "finish reason " + completion.finishReason());
            Provenance provenance = completion.provenance();
            require(instance.id().equals(provenance.providerId()), "provenance filled",
                    "providerId " + provenance.providerId() + ", expected " + instance.id());
            require(instance.scope().equals(provenance.scope()), "provenance filled",
                    "scope " + provenance.scope() + ", registered " + instance.scope());
            require(provenance.model() != null && !provenance.model().isBlank(), "provenance filled", "no model");
            require(provenance.attempts() >= 1 && provenance.latency() != null, "provenance filled",
                    "attempts " + provenance.attempts() + ", latency " + provenance.latency());
            require(completion.usage().completionTokens() > 0 && completion.usage().promptTokens() > 0,
                    "usage reported", "usage " + completion.usage());
        }
    }

    private void answersConcurrently() throws Exception {
        server.answerByDefault(wire.paced(5, 10));
        try (Subject.Instance instance = subject.configure("load", subject.roomy())) {
            List<Recorder> recorders = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                Recorder recorder = new Recorder();
                recorders.add(recorder);
                instance.provider().stream(ChatRequest.of("Count " + i).withOptions(GenerationOptions.DEFAULTS
                        .withMaxTokens(8)), recorder);
            }
            for (Recorder recorder : recorders) {
                Completion completion = evidence.completion(recorder, Duration.ofSeconds(60));
                // refusing what it cannot queue is backpressure, not a failure
                require(completion.error() == null || completion.error().kind() == ErrorKind.RATE_LIMITED,
                        "answers concurrent requests", String.valueOf(completion.error()));
            }
            Thread.sleep(200);
            for (Recorder recorder : recorders) {
                recorder.assertContract();
            }
        }
    }

    private void cancelsBeforeTheFirstToken() throws Exception {
        server.answerByDefault(wire.slowFirstToken(4000, "late"));
        try (Subject.Instance instance = subject.configure("cancel-early", Map.of())) {
            Recorder recorder = new Recorder();
            StreamHandle handle = instance.provider().stream(ChatRequest.of("Tell a long story")
                    .withOptions(GenerationOptions.DEFAULTS.withMaxTokens(400)), recorder);
            handle.cancel();
            Completion completion = cancelled(recorder);
            Thread.sleep(300);
            recorder.assertContract();
            require(recorder.deltas() == 0 || completion.finishReason() == FinishReason.CANCELLED, "cancel stops work",
                    recorder.deltas() + " deltas after a cancel before the first token");
        }
    }

    private void cancelsDuringTheStream() throws Exception {
        server.answerByDefault(wire.paced(Integer.MAX_VALUE, 20));
        try (Subject.Instance instance = subject.configure("cancel", Map.of())) {
            Recorder recorder = new Recorder();
            StreamHandle handle = instance.provider().stream(ChatRequest.of("Tell a long story")
                    .withOptions(GenerationOptions.DEFAULTS.withMaxTokens(2000)), recorder);
            recorder.firstDelta(Duration.ofSeconds(30));
            handle.cancel();
            cancelled(recorder);
            int deltas = recorder.deltas();
            Thread.sleep(300);
            recorder.assertContract();
            require(recorder.deltas() == deltas, "cancel stops work", "text kept coming after the cancel");
            if (subject.speaksHttp()) {
                long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                while (server.openConnections() > 0 && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                require(server.openConnections() == 0, "cancel stops work",
                        "the exchange with the server stayed open 5 s after the cancel");
            }
        }
    }

    private Completion cancelled(Recorder recorder) throws Exception {
        Completion completion;
        try {
            completion = evidence.completion(recorder, Duration.ofSeconds(2));
        } catch (Violation late) {
            throw new Violation("cancel ends the stream", "no completion within 2 s of cancel()");
        }
        require(completion.finishReason() == FinishReason.CANCELLED, "cancel ends the stream",
                "finish reason " + completion.finishReason() + " after cancel()"
                        + (completion.error() == null ? "" : ", error " + completion.error()));
        return completion;
    }

    private void availability() throws Exception {
        if (subject.speaksHttp()) {
            Map<String, Object> keyless = subject.takesKey() ? Map.of(".apiKey", "", "apiKeyEnv",
                    "MERIDIAN_CONFORMANCE_NO_SUCH_VARIABLE") : Map.of();
            if (!keyless.isEmpty()) {
                try (Subject.Instance instance = subject.configure("nokey", keyless)) {
                    unavailable(instance, "with no key configured");
                }
            }
            try (Subject.Instance instance = subject.configure("down", Map.of("baseUrl", closedPort()))) {
                Recorder recorder = new Recorder();
                instance.provider().stream(ChatRequest.of("hi"), recorder);
                Completion completion = evidence.completion(recorder, Duration.ofSeconds(10));
                require(completion.error() != null, "fails when its endpoint is down", "it answered");
                unavailable(instance, "after its endpoint refused the connection");
            }
        } else {
            try (Subject.Instance instance = subject.configure("nomodel",
                    Map.of("modelFile", "/nonexistent/meridian-conformance.gguf"))) {
                unavailable(instance, "with its model file missing");
            }
        }
    }

    private void unavailable(Subject.Instance instance, String when) {
        Availability availability = instance.provider().availability();
        evidence.text(availability.reason());
        require(!availability.isAvailable(), "availability with reasons", "it reported " + availability.state()
                + " " + when);
        require(availability.reason() != null && !availability.reason().isBlank(), "availability with reasons",
                "it reported " + availability.state() + " " + when + " without a reason");
    }

    private void drains() throws Exception {
        server.answerByDefault(wire.paced(10, 100));
        Subject.Instance instance = subject.configure("drain", Map.of());
        Recorder recorder = new Recorder();
        instance.provider().stream(ChatRequest.of("Tell a story").withOptions(GenerationOptions.DEFAULTS
                .withMaxTokens(24)), recorder);
        recorder.firstDelta(Duration.ofSeconds(30));
        instance.close(); // the provider deactivates with the stream in flight
        Completion completion = evidence.completion(recorder, Duration.ofSeconds(15));
        Thread.sleep(200);
        recorder.assertContract();
        require(completion.error() == null, "drain on deactivate",
                "the stream in flight failed when the provider stopped: " + completion.error());
        if (subject.speaksHttp()) {
            require(recorder.deltas() == 10, "drain on deactivate", "the stream in flight was cut at "
                    + recorder.deltas() + " of 10 deltas (finish " + completion.finishReason() + ")");
        }
    }

    private static String closedPort() throws Exception {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            return "http://127.0.0.1:" + socket.getLocalPort();
        }
    }
}
