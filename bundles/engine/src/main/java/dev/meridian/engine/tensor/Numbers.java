package dev.meridian.engine.tensor;

/** Number formats of ggml: F16 and BF16 conversions, and the activation quantizers. */
public final class Numbers {
    private Numbers() {
    }

    public static float f16(short bits) {
        return Float.float16ToFloat(bits);
    }

    public static float bf16(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** Rounds to the nearest F16 value (ties to even), as the F16C instructions do. */
    public static float roundF16(float x) {
        return Float.float16ToFloat(Float.floatToFloat16(x));
    }

    /** Rounds to the nearest BF16 value (ties to even), as ggml does. */
    public static float roundBf16(float x) {
        int bits = Float.floatToRawIntBits(x);
        if ((bits & 0x7fffffff) > 0x7f800000) {
            return Float.intBitsToFloat((bits | 0x00400000) & 0xFFFF0000); // quiet NaN
        }
        bits = (bits + (0x7fff + ((bits >>> 16) & 1))) & 0xFFFF0000;
        return Float.intBitsToFloat(bits);
    }

    public static short toBf16(float x) {
        return (short) (Float.floatToRawIntBits(roundBf16(x)) >>> 16);
    }

    /** Quantizes to Q8_0 blocks of 32: scale max|x|/127 rounded to F16, values rounded to nearest (ties even). */
    public static Activations.Q8Blocks q8_0(float[] x) {
        return q8_0(x, null);
    }

    /** As {@link #q8_0(float[])}, keeping each block's unrounded scale in {@code scales} when not null. */
    private static Activations.Q8Blocks q8_0(float[] x, float[] scales) {
        int blocks = x.length / 32;
        byte[] q = new byte[x.length];
        float[] d = new float[blocks];
        short[] wide = new short[x.length];
        float[] dequantized = new float[x.length];
        for (int b = 0; b < blocks; b++) {
            if (Kernels.VECTOR) {
                float scale = FloatKernels.maxMagnitude(x, b * 32, 32) / 127f;
                if (scales != null) {
                    scales[b] = scale;
                }
                d[b] = roundF16(scale);
                FloatKernels.quantize(x, b * 32, 32, scale != 0 ? 1f / scale : 0f, 127, d[b], q, wide, dequantized);
                continue;
            }
            float amax = 0;
            for (int i = 0; i < 32; i++) {
                amax = Math.max(amax, Math.abs(x[b * 32 + i]));
            }
            float scale = amax / 127f;
            if (scales != null) {
                scales[b] = scale;
            }
            float inverse = scale != 0 ? 1f / scale : 0f;
            d[b] = roundF16(scale);
            for (int i = 0; i < 32; i++) {
                int v = (int) Math.rint(x[b * 32 + i] * inverse);
                q[b * 32 + i] = (byte) v;
                wide[b * 32 + i] = (short) v;
                dequantized[b * 32 + i] = v * d[b];
            }
        }
        return new Activations.Q8Blocks(q, d, wide, dequantized);
    }

    /**
     * Quantizes to Q8_1 blocks as ggml's quantize_row_q8_1: the Q8_0 values and scales, and per block the unrounded
     * scale times the sum of the block's values, rounded to F16.
     */
    public static Activations.Q8_1Blocks q8_1(float[] x) {
        float[] s = new float[x.length / 32];
        Activations.Q8Blocks q8 = q8_0(x, s); // the unrounded scales first; s[b] becomes scale x sum below
        for (int b = 0; b < s.length; b++) {
            int sum = 0;
            for (int i = 0; i < 32; i++) {
                sum += q8.q()[b * 32 + i];
            }
            s[b] = roundF16(s[b] * sum);
        }
        return new Activations.Q8_1Blocks(Kernels.VECTOR ? q8.withNibbleMix() : q8, s);
    }

    /** Quantizes to Q8_K blocks of 256 as ggml's quantize_row_q8_K: the largest magnitude maps to -127. */
    public static Activations.Q8KBlocks q8_K(float[] x) {
        int blocks = x.length / 256;
        byte[] q = new byte[x.length];
        float[] d = new float[blocks];
        int[] sums = new int[blocks * 16];
        int[] sums32 = new int[blocks * 8];
        short[] wide = new short[x.length];
        float[] dequantized = new float[x.length];
        for (int b = 0; b < blocks; b++) {
            int base = b * 256;
            float max = 0;
            float amax = 0;
            for (int i = 0; i < 256; i++) {
                float ax = Math.abs(x[base + i]);
                if (ax > amax) {
                    amax = ax;
                    max = x[base + i];
                }
            }
            if (amax == 0) {
                d[b] = 0;
                continue;
            }
            float iscale = -127f / max;
            d[b] = 1 / iscale;
            if (Kernels.VECTOR) {
                FloatKernels.quantize(x, base, 256, iscale, 127, d[b], q, wide, dequantized);
            } else {
                for (int i = 0; i < 256; i++) {
                    int v = Math.min(127, (int) Math.rint(iscale * x[base + i]));
                    q[base + i] = (byte) v;
                    wide[base + i] = (short) v;
                    dequantized[base + i] = v * d[b];
                }
            }
            for (int g = 0; g < 16; g++) {
                int sum = 0;
                for (int i = 0; i < 16; i++) {
                    sum += q[base + g * 16 + i];
                }
                sums[b * 16 + g] = sum;
                sums32[b * 8 + g / 2] += sum;
            }
        }
        return new Activations.Q8KBlocks(q, d, sums, sums32, wide, dequantized);
    }
}
