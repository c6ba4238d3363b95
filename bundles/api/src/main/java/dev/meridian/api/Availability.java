package dev.meridian.api;

import java.util.Objects;

/**
 * Whether a provider can serve now, and if not, why.
 *
 * @param state    the state
 * @param reason   words for people, e.g. {@code "no API key configured"}; empty when available
 * @param progress for {@link State#LOADING}: 0..1, or -1 when unknown
 */
public record Availability(State state, String reason, double progress) {

    public enum State {
        AVAILABLE, LOADING, NOT_CONFIGURED, REGION_BLOCKED, QUOTA_EXHAUSTED, UNREACHABLE, FAILED;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

    public static final Availability AVAILABLE = new Availability(State.AVAILABLE, "", -1);

    public Availability {
        Objects.requireNonNull(state, "state");
        reason = reason == null ? "" : reason;
    }

    public static Availability of(State state, String reason) {
        return new Availability(state, reason, -1);
    }

    public static Availability loading(double progress, String reason) {
        return new Availability(State.LOADING, reason, progress);
    }

    public boolean isAvailable() {
        return state == State.AVAILABLE;
    }

    @Override
    public String toString() {
        String text = state.label();
        if (state == State.LOADING && progress >= 0) {
            text += " " + Math.round(progress * 100) + "%";
        }
        return reason.isEmpty() ? text : text + " (" + reason + ")";
    }
}
