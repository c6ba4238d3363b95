package dev.meridian.engine;

/**
 * How to pick each next token: greedy when {@code temperature} is 0, else sampled from the softmax at that
 * temperature, restricted to the {@code topK} most likely tokens and the smallest set whose probability reaches
 * {@code topP}, with a seeded generator (the same seed gives the same text).
 */
public record Sampling(double temperature, int topK, double topP, long seed) {
    public static final Sampling GREEDY = new Sampling(0, 1, 1, 0);

    public Sampling {
        if (temperature < 0 || Double.isNaN(temperature)) {
            throw new IllegalArgumentException("temperature must be at least 0, was " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("topK must be at least 0 (0 = no limit), was " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("topP must be in (0, 1], was " + topP);
        }
    }

    public boolean greedy() {
        return temperature == 0;
    }
}
