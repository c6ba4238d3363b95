package dev.meridian.engine.model;

/**
 * The keys and values of the positions seen so far, per layer, rounded to F16 precision as llama.cpp's default
 * F16 cache holds them. One per conversation; not thread-safe.
 */
public final class KvCache {
    final float[][] keys;
    final float[][] values;
    final int capacity;
    int length;

    KvCache(ModelConfig c, int capacity) {
        if ((long) capacity * c.kvDim() > Integer.MAX_VALUE - 8) {
            throw new dev.meridian.engine.EngineException("a context of " + capacity + " positions is too large for "
                    + "this model's cache; configure a smaller context length");
        }
        this.capacity = capacity;
        keys = new float[c.layers()][capacity * c.kvDim()];
        values = new float[c.layers()][capacity * c.kvDim()];
    }

    /** Positions filled. */
    public int length() {
        return length;
    }

    public int capacity() {
        return capacity;
    }
}
