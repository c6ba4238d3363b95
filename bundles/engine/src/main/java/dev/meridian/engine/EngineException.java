package dev.meridian.engine;

/** A model that cannot be loaded or a request it cannot serve, with a message that names the problem. */
public class EngineException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public EngineException(String message) {
        super(message);
    }

    public EngineException(String message, Throwable cause) {
        super(message, cause);
    }
}
