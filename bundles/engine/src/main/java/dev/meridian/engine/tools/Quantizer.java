package dev.meridian.engine.tools;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import dev.meridian.engine.gguf.GgmlType;
import dev.meridian.engine.tensor.IQ4NLMatrix;
import dev.meridian.engine.tensor.Numbers;

/**
 * Encodes float rows into GGUF tensor types: F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K,
 * Q6_K, IQ4_NL and IQ4_XS. Simple, valid encodings (round to nearest with per-block scales; no search for the best
 * scales as llama.cpp's quantizer does), for random-weight models and for tests.
 */
public final class Quantizer {
    private Quantizer() {
    }

    public static byte[] encode(GgmlType type, float[] values) {
        if (values.length % type.blockSize != 0) {
            throw new IllegalArgumentException(values.length + " values are not whole " + type + " blocks");
        }
        ByteBuffer out = ByteBuffer.allocate((int) type.bytes(values.length)).order(ByteOrder.LITTLE_ENDIAN);
        switch (type) {
            case F32 -> out.asFloatBuffer().put(values);
            case F16 -> {
                for (float v : values) {
                    out.putShort(Float.floatToFloat16(v));
                }
            }
            case BF16 -> {
                for (float v : values) {
                    out.putShort(Numbers.toBf16(v));
                }
            }
            case Q8_0 -> {
                for (int b = 0; b < values.length / 32; b++) {
                    float amax = 0;
                    for (int i = 0; i < 32; i++) {
                        amax = Math.max(amax, Math.abs(values[b * 32 + i]));
                    }
                    float d = amax / 127f;
                    float id = d == 0 ? 0 : 1 / d;
                    out.putShort(Float.floatToFloat16(d));
                    for (int i = 0; i < 32; i++) {
                        out.put((byte) Math.round(values[b * 32 + i] * id));
                    }
                }
            }
            case Q4_0 -> {
                for (int b = 0; b < values.length / 32; b++) {
                    float d = largestMagnitude(values, b * 32, 32) / -8f;
                    float id = d == 0 ? 0 : 1 / d;
                    out.putShort(Float.floatToFloat16(d));
                    for (int i = 0; i < 16; i++) {
                        int lo = Math.min(15, (int) (values[b * 32 + i] * id + 8.5f));
                        int hi = Math.min(15, (int) (values[b * 32 + i + 16] * id + 8.5f));
                        out.put((byte) (lo | (hi << 4)));
                    }
                }
            }
            case Q4_1 -> withMinimum(values, out, 15);
            case Q5_0 -> q5_0(values, out);
            case Q5_1 -> withMinimum(values, out, 31);
            case Q4_K -> kQuant(values, out, false);
            case Q5_K -> kQuant(values, out, true);
            case Q6_K -> q6K(values, out);
            case Q2_K -> q2K(values, out);
            case Q3_K -> q3K(values, out);
            case IQ4_NL -> iq4(values, out, false);
            case IQ4_XS -> iq4(values, out, true);
        }
        return out.array();
    }

    /**
     * Q4_1 ({@code levels} 15) and Q5_1 (31), as ggml's reference quantizer: per 32 values an F16 scale
     * {@code (max - min) / levels} and an F16 minimum; Q5_1 then a little-endian int of fifth bits; then the low
     * nibbles laid out as Q4_0's.
     */
    private static void withMinimum(float[] values, ByteBuffer out, int levels) {
        for (int b = 0; b < values.length / 32; b++) {
            float min = Float.MAX_VALUE;
            float max = -Float.MAX_VALUE;
            for (int i = 0; i < 32; i++) {
                min = Math.min(min, values[b * 32 + i]);
                max = Math.max(max, values[b * 32 + i]);
            }
            float d = (max - min) / levels;
            float id = d == 0 ? 0 : 1 / d;
            out.putShort(Float.floatToFloat16(d));
            out.putShort(Float.floatToFloat16(min));
            int[] q = new int[32];
            int high = 0;
            for (int i = 0; i < 32; i++) {
                q[i] = Math.min(levels, (int) ((values[b * 32 + i] - min) * id + 0.5f));
                high |= (q[i] >>> 4) << i;
            }
            if (levels == 31) {
                out.putInt(high);
            }
            for (int i = 0; i < 16; i++) {
                out.put((byte) ((q[i] & 0xF) | ((q[i + 16] & 0xF) << 4)));
            }
        }
    }

    /** The value of largest magnitude among {@code count} values from {@code from}, with its sign (the first one). */
    private static float largestMagnitude(float[] values, int from, int count) {
        float max = 0;
        for (int i = from; i < from + count; i++) {
            if (Math.abs(values[i]) > Math.abs(max)) {
                max = values[i];
            }
        }
        return max;
    }

    /** Q5_0: per 32 values an F16 scale, the fifth bits of all 32 in a little-endian int, then nibbles as Q4_0. */
    private static void q5_0(float[] values, ByteBuffer out) {
        for (int b = 0; b < values.length / 32; b++) {
            float d = largestMagnitude(values, b * 32, 32) / -16f;
            float id = d == 0 ? 0 : 1 / d;
            int high = 0;
            byte[] nibbles = new byte[16];
            for (int i = 0; i < 16; i++) {
                int lo = Math.min(31, (int) (values[b * 32 + i] * id + 16.5f));
                int hi = Math.min(31, (int) (values[b * 32 + i + 16] * id + 16.5f));
                nibbles[i] = (byte) ((lo & 0xF) | ((hi & 0xF) << 4));
                high |= ((lo >> 4) & 1) << i;
                high |= ((hi >> 4) & 1) << (i + 16);
            }
            out.putShort(Float.floatToFloat16(d));
            out.putInt(high);
            out.put(nibbles);
        }
    }

    /**
     * Q4_K ({@code fifthBits} false) and Q5_K: per 32 values a 6-bit scale and min relative to the super-block's F16
     * d and dmin; Q5_K keeps a fifth bit of every value in 32 bytes before the nibbles (bit 2k of byte i for value
     * i of chunk k's first 32, bit 2k + 1 for its second 32).
     */
    private static void kQuant(float[] values, ByteBuffer out, boolean fifthBits) {
        int levels = fifthBits ? 31 : 15;
        for (int b = 0; b < values.length / 256; b++) {
            float[] scales = new float[8];
            float[] mins = new float[8];
            for (int j = 0; j < 8; j++) {
                float lo = Float.MAX_VALUE;
                float hi = -Float.MAX_VALUE;
                for (int i = 0; i < 32; i++) {
                    float v = values[b * 256 + j * 32 + i];
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
                mins[j] = Math.max(0, -lo); // value = scale * q - min, q in 0..levels
                scales[j] = (hi + mins[j]) / levels;
            }
            float maxScale = 0;
            float maxMin = 0;
            for (int j = 0; j < 8; j++) {
                maxScale = Math.max(maxScale, scales[j]);
                maxMin = Math.max(maxMin, mins[j]);
            }
            float d = maxScale / 63f;
            float dmin = maxMin / 63f;
            short dBits = Float.floatToFloat16(d);
            short dminBits = Float.floatToFloat16(dmin);
            d = Float.float16ToFloat(dBits);
            dmin = Float.float16ToFloat(dminBits);
            int[] sc = new int[8];
            int[] mn = new int[8];
            for (int j = 0; j < 8; j++) {
                sc[j] = d == 0 ? 0 : Math.min(63, Math.round(scales[j] / d));
                mn[j] = dmin == 0 ? 0 : Math.min(63, Math.round(mins[j] / dmin));
            }
            out.putShort(dBits);
            out.putShort(dminBits);
            byte[] packed = new byte[12];
            for (int j = 0; j < 4; j++) {
                packed[j] = (byte) ((sc[j] & 63) | ((sc[j + 4] >> 4) << 6));
                packed[j + 4] = (byte) ((mn[j] & 63) | ((mn[j + 4] >> 4) << 6));
                packed[j + 8] = (byte) ((sc[j + 4] & 0xF) | ((mn[j + 4] & 0xF) << 4));
            }
            out.put(packed);
            byte[] high = new byte[32];
            byte[] qs = new byte[128];
            for (int j = 0; j < 8; j++) {
                float scale = d * sc[j];
                float min = dmin * mn[j];
                for (int i = 0; i < 32; i++) {
                    float v = values[b * 256 + j * 32 + i];
                    int q = scale == 0 ? 0 : Math.max(0, Math.min(levels, Math.round((v + min) / scale)));
                    int index = (j / 2) * 32 + i;
                    qs[index] |= (byte) ((j % 2 == 0) ? q & 0xF : (q & 0xF) << 4);
                    high[i] |= (byte) ((q >> 4) << j);
                }
            }
            if (fifthBits) {
                out.put(high);
            }
            out.put(qs);
        }
    }

    /** Q6_K: per 16 values an int8 scale relative to the super-block's F16 d. */
    private static void q6K(float[] values, ByteBuffer out) {
        for (int b = 0; b < values.length / 256; b++) {
            float[] groupScale = new float[16];
            float maxAbsScale = 0;
            for (int g = 0; g < 16; g++) {
                float amax = 0;
                for (int i = 0; i < 16; i++) {
                    amax = Math.max(amax, Math.abs(values[b * 256 + g * 16 + i]));
                }
                groupScale[g] = amax / 31f;
                maxAbsScale = Math.max(maxAbsScale, groupScale[g]);
            }
            float d = maxAbsScale / 127f;
            short dBits = Float.floatToFloat16(d);
            d = Float.float16ToFloat(dBits);
            byte[] scales = new byte[16];
            int[] q = new int[256];
            for (int g = 0; g < 16; g++) {
                int s = d == 0 ? 0 : Math.min(127, Math.round(groupScale[g] / d));
                scales[g] = (byte) s;
                float step = d * s;
                for (int i = 0; i < 16; i++) {
                    float v = values[b * 256 + g * 16 + i];
                    q[g * 16 + i] = step == 0 ? 32 : Math.max(0, Math.min(63, Math.round(v / step) + 32));
                }
            }
            byte[] ql = new byte[128];
            byte[] qh = new byte[64];
            for (int half = 0; half < 2; half++) {
                for (int l = 0; l < 32; l++) {
                    int base = half * 128;
                    int q1 = q[base + l];
                    int q2 = q[base + l + 32];
                    int q3 = q[base + l + 64];
                    int q4 = q[base + l + 96];
                    ql[half * 64 + l] = (byte) ((q1 & 0xF) | ((q3 & 0xF) << 4));
                    ql[half * 64 + l + 32] = (byte) ((q2 & 0xF) | ((q4 & 0xF) << 4));
                    qh[half * 32 + l] = (byte) ((q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6));
                }
            }
            out.put(ql);
            out.put(qh);
            out.put(scales);
            out.putShort(dBits);
        }
    }

    /**
     * Q2_K: per 16 values a 4-bit scale and a 4-bit min relative to the super-block's F16 d and dmin (value =
     * scale * q - min, q in 0..3); the 2-bit values four to a byte, value {@code 128 n + 32 j + l} at bits 2j of byte
     * {@code 32 n + l}.
     */
    private static void q2K(float[] values, ByteBuffer out) {
        for (int b = 0; b < values.length / 256; b++) {
            float[] scales = new float[16];
            float[] mins = new float[16];
            float maxScale = 0;
            float maxMin = 0;
            for (int g = 0; g < 16; g++) {
                float lo = Float.MAX_VALUE;
                float hi = -Float.MAX_VALUE;
                for (int i = 0; i < 16; i++) {
                    float v = values[b * 256 + g * 16 + i];
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
                mins[g] = Math.max(0, -lo);
                scales[g] = (hi + mins[g]) / 3;
                maxScale = Math.max(maxScale, scales[g]);
                maxMin = Math.max(maxMin, mins[g]);
            }
            short dBits = Float.floatToFloat16(maxScale / 15);
            short dminBits = Float.floatToFloat16(maxMin / 15);
            float d = Float.float16ToFloat(dBits);
            float dmin = Float.float16ToFloat(dminBits);
            byte[] packedScales = new byte[16];
            byte[] qs = new byte[64];
            for (int g = 0; g < 16; g++) {
                int sc = d == 0 ? 0 : Math.min(15, Math.round(scales[g] / d));
                int mn = dmin == 0 ? 0 : Math.min(15, Math.round(mins[g] / dmin));
                packedScales[g] = (byte) (sc | mn << 4);
                float step = d * sc;
                for (int i = 0; i < 16; i++) {
                    int p = g * 16 + i;
                    float v = values[b * 256 + p];
                    int q = step == 0 ? 0 : Math.max(0, Math.min(3, Math.round((v + dmin * mn) / step)));
                    qs[p / 128 * 32 + p % 32] |= (byte) (q << (p % 128 / 32 * 2));
                }
            }
            out.put(packedScales).put(qs).putShort(dBits).putShort(dminBits);
        }
    }

    /**
     * Q3_K: per 16 values a signed 6-bit scale relative to the super-block's F16 d (value = d * scale * q, q in
     * -4..3); stored q + 4 as 2 low bits laid out as Q2_K's and a high bit, bit {@code 4 n + j} of byte {@code l}.
     */
    private static void q3K(float[] values, ByteBuffer out) {
        for (int b = 0; b < values.length / 256; b++) {
            float[] groupScale = new float[16];
            float maxScale = 0;
            for (int g = 0; g < 16; g++) {
                groupScale[g] = largestMagnitude(values, b * 256 + g * 16, 16) / -4f;
                if (Math.abs(groupScale[g]) > Math.abs(maxScale)) {
                    maxScale = groupScale[g];
                }
            }
            short dBits = Float.floatToFloat16(maxScale / -32f);
            float d = Float.float16ToFloat(dBits);
            byte[] high = new byte[32];
            byte[] qs = new byte[64];
            byte[] scales = new byte[12];
            for (int g = 0; g < 16; g++) {
                int l = d == 0 ? 0 : Math.max(-32, Math.min(31, Math.round(groupScale[g] / d)));
                int stored = l + 32;
                scales[g % 8] |= (byte) ((stored & 0xF) << (g / 8 * 4));
                scales[8 + g % 4] |= (byte) ((stored >>> 4) << (g / 4 * 2));
                float step = d * l;
                for (int i = 0; i < 16; i++) {
                    int p = g * 16 + i;
                    int q = step == 0 ? 0 : Math.max(-4, Math.min(3, Math.round(values[b * 256 + p] / step)));
                    int u = q + 4;
                    int n = p / 128;
                    int j = p % 128 / 32;
                    qs[n * 32 + p % 32] |= (byte) ((u & 3) << (2 * j));
                    high[p % 32] |= (byte) ((u >>> 2) << (4 * n + j));
                }
            }
            out.put(high).put(qs).put(scales).putShort(dBits);
        }
    }

    /**
     * IQ4_NL ({@code superBlocks} false): per 32 values an F16 scale and the index of the nearest level of the
     * non-linear table for each value. IQ4_XS: per 256 values an F16 d, and per 32 a signed 6-bit scale relative to
     * it (high 2 bits in a short, low 4 in nibbles), then the same indexes.
     */
    private static void iq4(float[] values, ByteBuffer out, boolean superBlocks) {
        int group = superBlocks ? 256 : 32;
        for (int b = 0; b < values.length / group; b++) {
            int from = b * group;
            if (!superBlocks) {
                short dBits = Float.floatToFloat16(largestMagnitude(values, from, 32) / IQ4NLMatrix.level(0));
                out.putShort(dBits);
                levelIndexes(values, from, Float.float16ToFloat(dBits), out);
                continue;
            }
            float[] subScale = new float[8];
            float maxScale = 0;
            for (int j = 0; j < 8; j++) {
                subScale[j] = largestMagnitude(values, from + 32 * j, 32) / IQ4NLMatrix.level(0);
                if (Math.abs(subScale[j]) > Math.abs(maxScale)) {
                    maxScale = subScale[j];
                }
            }
            short dBits = Float.floatToFloat16(maxScale / -32f);
            float d = Float.float16ToFloat(dBits);
            int[] scale = new int[8];
            int high = 0;
            byte[] low = new byte[4];
            for (int j = 0; j < 8; j++) {
                scale[j] = d == 0 ? 0 : Math.max(-32, Math.min(31, Math.round(subScale[j] / d)));
                int stored = scale[j] + 32;
                high |= (stored >>> 4) << (2 * j);
                low[j / 2] |= (byte) ((stored & 0xF) << (4 * (j % 2)));
            }
            out.putShort(dBits).putShort((short) high).put(low);
            for (int j = 0; j < 8; j++) {
                levelIndexes(values, from + 32 * j, d * scale[j], out);
            }
        }
    }

    /** The 16 bytes of indexes of the table levels nearest to 32 values at step {@code d}, as Q4_0's nibbles. */
    private static void levelIndexes(float[] values, int from, float d, ByteBuffer out) {
        for (int i = 0; i < 16; i++) {
            out.put((byte) (nearestLevel(values[from + i], d) | nearestLevel(values[from + 16 + i], d) << 4));
        }
    }

    private static int nearestLevel(float v, float d) {
        int best = 0;
        for (int i = 1; i < 16; i++) {
            if (Math.abs(d * IQ4NLMatrix.level(i) - v) < Math.abs(d * IQ4NLMatrix.level(best) - v)) {
                best = i;
            }
        }
        return best;
    }
}
