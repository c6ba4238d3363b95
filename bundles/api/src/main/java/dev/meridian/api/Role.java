package dev.meridian.api;

/** Who wrote a message of a conversation. */
public enum Role {
    SYSTEM, USER, ASSISTANT, TOOL;

    /** The lower-case wire name used by chat APIs and templates ({@code "system"}, {@code "user"}, ...). */
    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
