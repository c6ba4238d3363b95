package dev.meridian.router;

import java.util.Set;

import dev.meridian.api.ChatRequest;
import dev.meridian.api.Consent;
import dev.meridian.api.ModelException;

/** What a {@link RoutedStream} needs of the router: the next admissible provider, under the policy in force now. */
interface Attempts {

    /** A provider admitted for one attempt, and what the policy in force when it was admitted said. */
    record Admission(ProviderEntry entry, String region, Consent consent, String label) {
    }

    /**
     * The first provider, in the order of the policy in force now, that may serve {@code request} now (scope allowed,
     * bundle trusted, consent given where required, available) and whose service is not in {@code tried}.
     *
     * @return {@code null} when there is none
     */
    Admission next(ChatRequest request, Set<Long> tried);

    /**
     * When a provider that could serve {@code request} left a moment ago (a bundle update: the old revision
     * unregisters before the new one registers), keeps {@code stream} waiting: it tries again as soon as a provider
     * may serve it, or when the swap wait is over.
     *
     * @return {@code false} when no swap is under way (the stream should end now)
     */
    boolean awaitSwap(ChatRequest request, RoutedStream stream);

    /** Why no provider can take {@code request} now: {@code unavailable(region-blocked | consent-required)}. */
    ModelException noneEligible(ChatRequest request);

    /** The active region's name now (for requests that end without a provider). */
    String region();

    ProviderCounters counters(String providerId);
}
