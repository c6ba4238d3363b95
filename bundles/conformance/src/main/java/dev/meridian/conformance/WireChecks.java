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
import dev.meridian.test.cloud.FakeCloudServer;
import dev.meridian.test.cloud.Scenario;

/**
 * The error taxonomy over the wire: the provider, pointed at the fake server, meets each failure an endpoint has
 * (429 with retry hints, quota, a rejected key, 5xx, an error inside a 200 stream, malformed data, a stall, a
 * dropped connection, timeouts) and must map it to the right kind, retry only what may be retried, and keep
 * partial text.
 */
final class WireChecks {
    private final Subject subject;
    private final FakeCloudServer server;
    private final KitWire wire;
    private final Evidence evidence;

    WireChecks(Subject subject, FakeCloudServer server, KitWire wire, Evidence evidence) {
        this.subject = subject;
        this.server = server;
        this.wire = wire;
        this.evidence = evidence;
    }

    List<Check> checks() {
        String why = "no baseUrl attribute: not an HTTP provider";
        boolean http = subject.speaksHttp();
        List<Check> checks = new ArrayList<>();
        checks.add(Check.when(http, why, "retries-429-honouring-retry-after", this::retriesRateLimit));
        checks.add(Check.when(http, why, "429-gives-up", this::givesUpOnRateLimit));
        checks.add(Check.when(http, why, "quota-not-retried", this::quota));
        checks.add(Check.when(http, why, "auth-not-retried", this::auth));
        checks.add(Check.when(http, why, "5xx-retried", this::serverError));
        checks.add(Check.when(http, why, "error-inside-200-stream", this::errorInStream));
        checks.add(Check.when(http, why, "malformed-data", this::malformed));
        checks.add(Check.when(http, why, "stall-times-out", this::stall));
        checks.add(Check.when(http, why, "dropped-connection", this::drop));
        checks.add(Check.when(http, why, "first-token-timeout", this::firstToken));
        checks.add(Check.when(http, why, "total-timeout", this::total));
        return checks;
    }

    private Result run(String name, Scenario first) throws Exception {
        server.answerByDefault(wire.answer("Hello", " again"));
        int before = server.requests().size();
        try (Subject.Instance instance = subject.configure(name, Map.of())) {
            server.then(first);
            Recorder recorder = new Recorder();
            long start = System.nanoTime();
            instance.provider().stream(ChatRequest.of("hi"), recorder);
            Completion completion = evidence.completion(recorder, Duration.ofSeconds(20));
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            Thread.sleep(100);
            recorder.assertContract();
            Availability availability = instance.provider().availability();
            evidence.text(availability.reason());
            return new Result(completion, recorder.text(), server.requests().size() - before, took, availability);
        }
    }

    private record Result(Completion completion, String text, int requests, Duration took,
            Availability availability) {
        ErrorKind kind() {
            return completion.error() == null ? null : completion.error().kind();
        }

        void expect(ErrorKind kind, String rule) {
            require(kind() == kind, rule, "expected " + kind + ", got " + (completion.error() == null
                    ? "no error (finish " + completion.finishReason() + ", text '" + text + "')"
                    : completion.error().kind() + ": " + completion.error().getMessage()));
        }

        void requests(int expected, String rule) {
            require(requests == expected, rule, requests + " requests reached the server, expected " + expected
                    + (requests > expected ? ": a non-retryable error was retried" : ""));
        }
    }

    private void retriesRateLimit() throws Exception {
        Result result = run("retry429", wire.rateLimited(300));
        require(result.completion.error() == null, "retries a 429", "failed: " + result.completion.error());
        result.requests(2, "retries a 429 once");
        require(!wire.sendsRetryHints() || result.took.compareTo(Duration.ofMillis(250)) >= 0, "honours retry-after",
                "asked again after " + result.took.toMillis() + " ms; the server asked for 300 ms");
    }

    private void givesUpOnRateLimit() throws Exception {
        server.answerByDefault(wire.rateLimited(10));
        int before = server.requests().size();
        try (Subject.Instance instance = subject.configure("limited", Map.of())) {
            Recorder recorder = new Recorder();
            instance.provider().stream(ChatRequest.of("hi"), recorder);
            Completion completion = evidence.completion(recorder, Duration.ofSeconds(20));
            require(completion.error() != null && completion.error().kind() == ErrorKind.RATE_LIMITED,
                    "429 is RATE_LIMITED", "got " + completion.error());
            require(!wire.sendsRetryHints() || completion.error().retryAfter().isPresent(),
                    "429 keeps the server's retry hint", "the error has no retryAfter");
            int requests = server.requests().size() - before;
            require(requests >= 1 && requests <= 10, "bounded retries", requests + " requests for one call");
        }
    }

    private void quota() throws Exception {
        Result result = run("quota", wire.quotaExhausted());
        result.requests(1, "quota is not retried");
        result.expect(ErrorKind.QUOTA_EXHAUSTED, "quota is QUOTA_EXHAUSTED");
        require(result.availability.state() == Availability.State.QUOTA_EXHAUSTED, "availability after quota",
                "reported " + result.availability.state());
    }

    private void auth() throws Exception {
        Result result = run("auth", wire.invalidKey());
        result.requests(1, "a rejected key is not retried");
        result.expect(ErrorKind.AUTHENTICATION, "a rejected key is AUTHENTICATION");
        require(!result.availability.isAvailable() && !result.availability.reason().isBlank(),
                "availability after a rejected key", "reported " + result.availability);
    }

    private void serverError() throws Exception {
        Result result = run("5xx", wire.serverError());
        require(result.completion.error() == null, "a 5xx is retried", "failed: " + result.completion.error());
        result.requests(2, "a 5xx is retried once");
    }

    private void errorInStream() throws Exception {
        Result result = run("instream", wire.errorInStream(2));
        require(result.completion.error() != null, "an error inside a 200 stream fails the answer",
                "the answer ended as " + result.completion.finishReason() + " with text '" + result.text + "'");
        result.expect(ErrorKind.UNAVAILABLE, "an error inside a 200 stream maps by its code");
        require(result.text.equals("p0 p1 "), "partial text is kept", "text '" + result.text + "'");
        result.requests(1, "no retry after the first token");
    }

    private void malformed() throws Exception {
        Result result = run("malformed", wire.malformed());
        result.expect(ErrorKind.UNAVAILABLE, "malformed data is a bad response");
    }

    private void stall() throws Exception {
        Result result = run("stall", wire.stall(4000, "a", "b"));
        result.expect(ErrorKind.TIMEOUT, "a stall times out at the idle timeout");
        require(result.took.compareTo(Duration.ofMillis(3500)) < 0, "a stall times out at the idle timeout",
                "took " + result.took.toMillis() + " ms with idleTimeoutMs 1000");
    }

    private void drop() throws Exception {
        Result result = run("drop", wire.dropAfter("a", "b"));
        result.expect(ErrorKind.UNAVAILABLE, "a dropped connection is an error");
        require(result.text.equals("ab"), "partial text is kept", "text '" + result.text + "'");
    }

    private void firstToken() throws Exception {
        Result result = run("slow", wire.slowFirstToken(4000, "late"));
        result.expect(ErrorKind.TIMEOUT, "the first-token timeout holds");
    }

    private void total() throws Exception {
        Result result = run("endless", wire.paced(Integer.MAX_VALUE, 50));
        result.expect(ErrorKind.TIMEOUT, "the total timeout holds");
        require(result.took.compareTo(Duration.ofMillis(6000)) < 0, "the total timeout holds",
                "took " + result.took.toMillis() + " ms with totalTimeoutMs 3000");
    }
}
