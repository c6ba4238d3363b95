package dev.meridian.conformance;

/** A broken rule of the provider contract: the rule's name and what the provider did. */
final class Violation extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String rule;

    Violation(String rule, String detail) {
        super(detail, null, false, false);
        this.rule = rule;
    }

    String rule() {
        return rule;
    }

    /** Fails with {@code rule} unless {@code holds}. */
    static void require(boolean holds, String rule, String detail) {
        if (!holds) {
            throw new Violation(rule, detail);
        }
    }
}
