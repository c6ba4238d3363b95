package dev.meridian.engine.model;

import dev.meridian.engine.EngineException;
import dev.meridian.engine.gguf.GgufFile;

/**
 * The hyperparameters of a transformer, from GGUF metadata ({@code <arch>.*}), checked for sanity.
 *
 * @param neox rotary embedding on pairs {@code (i, i + d/2)} (Qwen) rather than adjacent pairs (Llama)
 */
public record ModelConfig(String architecture, int embedding, int layers, int heads, int kvHeads, int headDim,
        int feedForward, int contextLength, float rmsEpsilon, float ropeBase, int ropeDims, boolean neox,
        boolean qkvBias, boolean qkNorm) {

    public static ModelConfig of(GgufFile file) {
        String arch = file.string("general.architecture", "?");
        boolean neox;
        boolean bias;
        boolean norm;
        switch (arch) {
            case "llama" -> {
                neox = false;
                bias = false;
                norm = false;
            }
            case "qwen2" -> {
                neox = true;
                bias = true;
                norm = false;
            }
            case "qwen3" -> {
                neox = true;
                bias = false;
                norm = true;
            }
            default -> throw new EngineException(file.path().getFileName() + ": architecture '" + arch
                    + "' is not supported (llama, qwen2 and qwen3 are)");
        }
        int embedding = positive(file, arch + ".embedding_length", 1 << 16);
        int layers = positive(file, arch + ".block_count", 1024);
        int heads = positive(file, arch + ".attention.head_count", 1024);
        int kvHeads = (int) file.number(arch + ".attention.head_count_kv", heads);
        if (kvHeads <= 0 || heads % kvHeads != 0) {
            throw new EngineException(file.path().getFileName() + ": " + heads + " heads cannot share " + kvHeads
                    + " key/value heads");
        }
        int headDim = (int) file.number(arch + ".attention.key_length", embedding / heads);
        if (headDim <= 0 || headDim % 2 != 0 || headDim > 1024) {
            throw new EngineException(file.path().getFileName() + ": absurd head size " + headDim);
        }
        int feedForward = positive(file, arch + ".feed_forward_length", 1 << 20);
        int context = (int) Math.min(Integer.MAX_VALUE, file.number(arch + ".context_length", 2048));
        float eps = file.real(arch + ".attention.layer_norm_rms_epsilon", 1e-5f);
        float base = file.real(arch + ".rope.freq_base", 10000f);
        int ropeDims = (int) file.number(arch + ".rope.dimension_count", headDim);
        if (ropeDims <= 0 || ropeDims > headDim || ropeDims % 2 != 0) {
            throw new EngineException(file.path().getFileName() + ": rope dimension " + ropeDims + " does not fit "
                    + "head size " + headDim);
        }
        return new ModelConfig(arch, embedding, layers, heads, kvHeads, headDim, feedForward, Math.max(1, context),
                eps, base, ropeDims, neox, bias, norm);
    }

    private static int positive(GgufFile file, String key, int max) {
        long value = file.required(key);
        if (value <= 0 || value > max) {
            throw new EngineException(file.path().getFileName() + ": " + key + " = " + value + " is absurd");
        }
        return (int) value;
    }

    public int kvDim() {
        return kvHeads * headDim;
    }

    public int qDim() {
        return heads * headDim;
    }
}
