package dev.meridian.engine.model;

import dev.meridian.engine.EngineException;
import dev.meridian.engine.tensor.Activations;
import dev.meridian.engine.tensor.Numbers;
import dev.meridian.engine.tensor.Vectors;
import dev.meridian.engine.tensor.WeightMatrix;

/**
 * The decoder-only transformer of Llama, Qwen2 and Qwen3: RMSNorm, grouped-query attention with rotary
 * embeddings (Qwen2: biases on Q/K/V; Qwen3: RMSNorm on each Q/K head), SwiGLU feed-forward, tied or separate
 * output. A batch of tokens goes through each weight matrix together (prompt processing); one token at a time is
 * the same path with a batch of one. Numerics follow llama.cpp's CPU path: sums of squares and softmax in double,
 * F16 keys and values, queries and attention weights rounded to F16 for their products.
 */
public final class Transformer {
    private final ModelConfig c;
    private final Weights w;
    private final Parallel parallel;
    private final float[] inverseFrequencies;

    public Transformer(ModelConfig config, Weights weights, Parallel parallel) {
        this.c = config;
        this.w = weights;
        this.parallel = parallel;
        inverseFrequencies = new float[c.ropeDims() / 2];
        float thetaScale = (float) StrictMath.pow(c.ropeBase(), -2.0 / c.ropeDims());
        float theta = 1f;
        for (int i = 0; i < inverseFrequencies.length; i++) {
            float factor = weights.ropeFactors == null ? 1f : weights.ropeFactors[i];
            inverseFrequencies[i] = theta / factor;
            theta *= thetaScale;
        }
    }

    public ModelConfig config() {
        return c;
    }

    public int vocabulary() {
        return w.vocabulary;
    }

    /** @throws EngineException if the capacity is not positive or the cache would not fit in the free heap */
    public KvCache newCache(int capacity) {
        if (capacity <= 0) {
            throw new EngineException("context length must be positive, was " + capacity);
        }
        long bytes = 2L * c.layers() * capacity * c.kvDim() * Float.BYTES;
        Runtime runtime = Runtime.getRuntime();
        long free = runtime.maxMemory() - (runtime.totalMemory() - runtime.freeMemory());
        if (bytes > free * 3 / 4) {
            throw new EngineException("a cache for " + capacity + " positions needs " + (bytes >> 20) + " MiB; the heap"
                    + " has " + (free >> 20) + " MiB free (ask for fewer tokens, or give the JVM more memory)");
        }
        return new KvCache(c, capacity);
    }

    /**
     * Feeds {@code tokens} at the next positions of {@code cache}.
     *
     * @param allLogits logits for every token (teacher forcing) or only for the last
     * @return logits, one row per token asked for
     */
    public float[][] forward(KvCache cache, int[] tokens, boolean allLogits) {
        int n = tokens.length;
        int start = cache.length;
        if (start + n > cache.capacity) {
            throw new EngineException("context full: " + (start + n) + " positions needed, " + cache.capacity
                    + " available");
        }
        float[][] x = new float[n][c.embedding()];
        for (int t = 0; t < n; t++) {
            if (tokens[t] < 0 || tokens[t] >= w.vocabulary) {
                throw new EngineException("token id " + tokens[t] + " is outside the vocabulary of " + w.vocabulary);
            }
            w.embedding.row(tokens[t], x[t]);
        }
        float[][] normed = new float[n][c.embedding()];
        float[][] q = new float[n][c.qDim()];
        float[][] k = new float[n][c.kvDim()];
        float[][] v = new float[n][c.kvDim()];
        float[][] attended = new float[n][c.qDim()];
        float[][] projected = new float[n][c.embedding()];
        float[][] gate = new float[n][c.feedForward()];
        float[][] up = new float[n][c.feedForward()];
        float[][] rotations = new float[n][];
        eachToken(n, t -> rotations[t] = rotation(start + t));
        for (int l = 0; l < c.layers(); l++) {
            Weights.Layer layer = w.layers[l];
            int layerIndex = l;
            eachToken(n, t -> rmsNorm(x[t], layer.attnNorm(), normed[t]));
            multiply(normed, new WeightMatrix[] { layer.q(), layer.k(), layer.v() }, new float[][][] { q, k, v });
            eachToken(n, t -> {
                addBias(q[t], layer.qBias());
                addBias(k[t], layer.kBias());
                addBias(v[t], layer.vBias());
                if (layer.qNorm() != null) {
                    normHeads(q[t], layer.qNorm(), c.heads());
                    normHeads(k[t], layer.kNorm(), c.kvHeads());
                }
                rope(q[t], c.heads(), rotations[t]);
                rope(k[t], c.kvHeads(), rotations[t]);
                int offset = (start + t) * c.kvDim();
                for (int i = 0; i < c.kvDim(); i++) {
                    cache.keys[layerIndex][offset + i] = Numbers.roundF16(k[t][i]);
                    cache.values[layerIndex][offset + i] = Numbers.roundF16(v[t][i]);
                }
            });
            attend(cache, l, q, attended, start);
            multiply(layer.o(), attended, projected);
            eachToken(n, t -> {
                add(x[t], projected[t]);
                rmsNorm(x[t], layer.ffnNorm(), normed[t]);
            });
            multiply(normed, new WeightMatrix[] { layer.gate(), layer.up() }, new float[][][] { gate, up });
            parallel.rows(c.feedForward(), (from, to) -> {
                for (int t = 0; t < n; t++) {
                    Vectors.swiglu(gate[t], up[t], from, to);
                }
            });
            multiply(layer.down(), gate, projected);
            eachToken(n, t -> add(x[t], projected[t]));
        }
        cache.length = start + n;
        int from = allLogits ? 0 : n - 1;
        float[][] last = new float[n - from][];
        for (int t = from; t < n; t++) {
            float[] out = new float[c.embedding()];
            rmsNorm(x[t], w.outputNorm, out);
            last[t - from] = out;
        }
        float[][] logits = new float[last.length][w.vocabulary];
        multiply(w.output, last, logits);
        return logits;
    }

    /** {@code out[t] = matrix · in[t]} for every t, rows split over the threads; each row is read once. */
    private void multiply(WeightMatrix matrix, float[][] in, float[][] out) {
        multiply(in, new WeightMatrix[] { matrix }, new float[][][] { out });
    }

    /**
     * Several matrices over the same input ({@code Q, K, V}; {@code gate, up}) in one parallel step, so the threads
     * meet once instead of once per matrix; matrices of the same type share the prepared activations.
     */
    private void multiply(float[][] in, WeightMatrix[] matrices, float[][][] outs) {
        Activations[][] prepared = new Activations[matrices.length][];
        int[] starts = new int[matrices.length + 1];
        for (int m = 0; m < matrices.length; m++) {
            if (m > 0 && matrices[m].getClass() == matrices[m - 1].getClass()) {
                prepared[m] = prepared[m - 1];
            } else {
                Activations[] vectors = new Activations[in.length];
                WeightMatrix matrix = matrices[m];
                eachToken(in.length, t -> vectors[t] = matrix.prepare(in[t]));
                prepared[m] = vectors;
            }
            starts[m + 1] = starts[m] + matrices[m].rows();
        }
        parallel.rows(starts[matrices.length], (from, to) -> {
            for (int m = 0; m < matrices.length; m++) {
                int lo = Math.max(from, starts[m]);
                int hi = Math.min(to, starts[m + 1]);
                if (lo < hi) {
                    matrices[m].multiply(prepared[m], outs[m], lo - starts[m], hi - starts[m]);
                }
            }
        });
    }

    /** Runs per-token work of a batch over the threads (one token: on the caller). */
    private void eachToken(int n, java.util.function.IntConsumer work) {
        parallel.tasks(n, (from, to) -> {
            for (int t = from; t < to; t++) {
                work.accept(t);
            }
        });
    }

    private void attend(KvCache cache, int layer, float[][] q, float[][] out, int start) {
        int n = q.length;
        int group = c.heads() / c.kvHeads();
        int headDim = c.headDim();
        float scale = (float) (1.0 / Math.sqrt(headDim));
        float[] keys = cache.keys[layer];
        float[] values = cache.values[layer];
        parallel.tasks(n * c.heads(), (from, to) -> {
            float[] scores = new float[start + n];
            float[] query = new float[headDim];
            for (int job = from; job < to; job++) {
                int t = job / c.heads();
                int h = job % c.heads();
                int kvHead = h / group;
                int positions = start + t + 1;
                for (int i = 0; i < headDim; i++) {
                    query[i] = Numbers.roundF16(q[t][h * headDim + i]);
                }
                float max = Float.NEGATIVE_INFINITY;
                for (int p = 0; p < positions; p++) {
                    scores[p] = Vectors.dot(query, 0, keys, p * c.kvDim() + kvHead * headDim, headDim) * scale;
                    max = Math.max(max, scores[p]);
                }
                float inverse = (float) (1.0 / Vectors.exponentials(scores, positions, max));
                int o = h * headDim;
                java.util.Arrays.fill(out[t], o, o + headDim, 0f);
                for (int p = 0; p < positions; p++) {
                    float weight = Numbers.roundF16(scores[p] * inverse);
                    Vectors.addScaled(weight, values, p * c.kvDim() + kvHead * headDim, out[t], o, headDim);
                }
            }
        });
    }

    private void rmsNorm(float[] x, float[] weight, float[] out) {
        double sum = 0;
        for (float value : x) {
            sum += (double) (value * value);
        }
        float mean = (float) (sum / x.length);
        float scale = 1f / (float) Math.sqrt(mean + c.rmsEpsilon());
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] * scale * weight[i];
        }
    }

    private void normHeads(float[] x, float[] weight, int heads) {
        int d = c.headDim();
        float[] head = new float[d];
        float[] normed = new float[d];
        for (int h = 0; h < heads; h++) {
            System.arraycopy(x, h * d, head, 0, d);
            rmsNorm(head, weight, normed);
            System.arraycopy(normed, 0, x, h * d, d);
        }
    }

    /** Cosines then sines of the rotary angles at {@code position}, shared by every head of every layer. */
    private float[] rotation(int position) {
        int half = c.ropeDims() / 2;
        float[] table = new float[2 * half];
        for (int i = 0; i < half; i++) {
            float theta = position * inverseFrequencies[i];
            table[i] = (float) StrictMath.cos(theta);
            table[half + i] = (float) StrictMath.sin(theta);
        }
        return table;
    }

    private void rope(float[] x, int heads, float[] rotation) {
        int d = c.headDim();
        int half = c.ropeDims() / 2;
        for (int h = 0; h < heads; h++) {
            int base = h * d;
            for (int i = 0; i < half; i++) {
                float cos = rotation[i];
                float sin = rotation[half + i];
                int a = c.neox() ? base + i : base + 2 * i;
                int b = c.neox() ? base + i + half : base + 2 * i + 1;
                float x0 = x[a];
                float x1 = x[b];
                x[a] = x0 * cos - x1 * sin;
                x[b] = x0 * sin + x1 * cos;
            }
        }
    }

    private static void addBias(float[] x, float[] bias) {
        if (bias != null) {
            add(x, bias);
        }
    }

    private static void add(float[] x, float[] y) {
        for (int i = 0; i < x.length; i++) {
            x[i] += y[i];
        }
    }
}
