package dev.meridian.engine;

import java.util.List;

/**
 * Watches generated text for stop sequences. Text that could be the start of a stop sequence is held back until it
 * is known not to be, so a stop sequence never reaches the caller, even split across tokens.
 */
final class StopMatcher {
    private final List<String> stops;
    private final StringBuilder held = new StringBuilder();
    private boolean stopped;

    StopMatcher(List<String> stops) {
        this.stops = stops.stream().filter(s -> !s.isEmpty()).toList();
    }

    /** Adds text; returns what may be shown now. */
    String add(String text) {
        if (stops.isEmpty()) {
            return text;
        }
        held.append(text);
        int earliest = -1;
        for (String stop : stops) {
            int at = held.indexOf(stop);
            if (at >= 0 && (earliest < 0 || at < earliest)) {
                earliest = at;
            }
        }
        if (earliest >= 0) {
            stopped = true;
            String visible = held.substring(0, earliest);
            held.setLength(0);
            return visible;
        }
        int keep = 0;
        for (String stop : stops) {
            for (int n = Math.min(stop.length() - 1, held.length()); n > keep; n--) {
                if (held.substring(held.length() - n).equals(stop.substring(0, n))) {
                    keep = n;
                    break;
                }
            }
        }
        String visible = held.substring(0, held.length() - keep);
        held.delete(0, held.length() - keep);
        return visible;
    }

    boolean stopped() {
        return stopped;
    }

    /** The held-back text once generation ended without a stop. */
    String flush(String tail) {
        String rest = held + tail;
        held.setLength(0);
        return rest;
    }
}
