package dev.meridian.engine.model;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import dev.meridian.engine.EngineException;
import dev.meridian.engine.gguf.GgmlType;
import dev.meridian.engine.gguf.GgufFile;
import dev.meridian.engine.gguf.TensorInfo;
import dev.meridian.engine.tensor.WeightMatrix;

/**
 * The tensors of a model, by role, with their shapes checked against the configuration. Matrices stay in the
 * mapped file; the small 1-D norm and bias vectors (a few KiB each) are read into arrays once.
 */
public final class Weights {
    /** One transformer block. Biases and Q/K norms are {@code null} where the architecture has none. */
    public record Layer(float[] attnNorm, WeightMatrix q, WeightMatrix k, WeightMatrix v, WeightMatrix o,
            float[] qBias, float[] kBias, float[] vBias, float[] qNorm, float[] kNorm, float[] ffnNorm,
            WeightMatrix gate, WeightMatrix up, WeightMatrix down) {
    }

    public final WeightMatrix embedding;
    public final Layer[] layers;
    public final float[] outputNorm;
    public final WeightMatrix output;
    public final float[] ropeFactors;
    public final int vocabulary;

    public Weights(GgufFile file, ModelConfig c) {
        embedding = matrix(file, "token_embd.weight", -1, c.embedding());
        vocabulary = embedding.rows();
        layers = new Layer[c.layers()];
        for (int i = 0; i < c.layers(); i++) {
            String p = "blk." + i + ".";
            layers[i] = new Layer(vector(file, p + "attn_norm.weight", c.embedding(), true),
                    matrix(file, p + "attn_q.weight", c.qDim(), c.embedding()),
                    matrix(file, p + "attn_k.weight", c.kvDim(), c.embedding()),
                    matrix(file, p + "attn_v.weight", c.kvDim(), c.embedding()),
                    matrix(file, p + "attn_output.weight", c.embedding(), c.qDim()),
                    vector(file, p + "attn_q.bias", c.qDim(), c.qkvBias()),
                    vector(file, p + "attn_k.bias", c.kvDim(), c.qkvBias()),
                    vector(file, p + "attn_v.bias", c.kvDim(), c.qkvBias()),
                    vector(file, p + "attn_q_norm.weight", c.headDim(), c.qkNorm()),
                    vector(file, p + "attn_k_norm.weight", c.headDim(), c.qkNorm()),
                    vector(file, p + "ffn_norm.weight", c.embedding(), true),
                    matrix(file, p + "ffn_gate.weight", c.feedForward(), c.embedding()),
                    matrix(file, p + "ffn_up.weight", c.feedForward(), c.embedding()),
                    matrix(file, p + "ffn_down.weight", c.embedding(), c.feedForward()));
        }
        outputNorm = vector(file, "output_norm.weight", c.embedding(), true);
        output = file.tensor("output.weight") != null ? matrix(file, "output.weight", vocabulary, c.embedding())
                : embedding; // tied embeddings
        ropeFactors = vector(file, "rope_freqs.weight", c.ropeDims() / 2, false);
    }

    private static WeightMatrix matrix(GgufFile file, String name, int rows, int cols) {
        TensorInfo tensor = file.tensor(name);
        if (tensor == null) {
            throw new EngineException(file.path().getFileName() + ": tensor " + name + " is missing");
        }
        if (tensor.dims().length != 2 || tensor.rowLength() != cols || (rows >= 0 && tensor.rows() != rows)) {
            throw new EngineException(file.path().getFileName() + ": tensor " + name + " has shape " + tensor.shape()
                    + ", expected [" + cols + ", " + (rows >= 0 ? rows : "n") + "]");
        }
        return WeightMatrix.of(tensor);
    }

    private static float[] vector(GgufFile file, String name, int length, boolean required) {
        TensorInfo tensor = file.tensor(name);
        if (tensor == null) {
            if (required) {
                throw new EngineException(file.path().getFileName() + ": tensor " + name + " is missing");
            }
            return null;
        }
        if (tensor.elements() != length) {
            throw new EngineException(file.path().getFileName() + ": tensor " + name + " has " + tensor.elements()
                    + " values, expected " + length);
        }
        float[] values = new float[length];
        if (tensor.type() == GgmlType.F32) {
            for (int i = 0; i < length; i++) {
                values[i] = tensor.data().get(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN),
                        i * 4L);
            }
        } else if (tensor.type() == GgmlType.F16 || tensor.type() == GgmlType.BF16) {
            WeightMatrix.of(new TensorInfo(name, new long[] { length, 1 }, tensor.type(), tensor.offset(),
                    tensor.data())).row(0, values);
        } else {
            throw new EngineException(file.path().getFileName() + ": vector " + name + " is " + tensor.type()
                    + "; F32, F16 or BF16 expected");
        }
        return values;
    }
}
