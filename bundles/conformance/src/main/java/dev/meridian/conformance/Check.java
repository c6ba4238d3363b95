package dev.meridian.conformance;

/**
 * One check of the suite: its name, the body that throws a {@link Violation} naming the rule the provider broke,
 * and why it does not apply to this provider ({@code null} when it does).
 */
record Check(String name, String notApplicable, Body body) {

    interface Body {
        void run() throws Exception;
    }

    static Check of(String name, Body body) {
        return new Check(name, null, body);
    }

    /** A check that applies only {@code when}; otherwise it is reported as not applicable, {@code because}. */
    static Check when(boolean when, String because, String name, Body body) {
        return new Check(name, when ? null : because, body);
    }
}
