package dev.meridian.engine.tools;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import dev.meridian.engine.gguf.GgmlType;
import dev.meridian.engine.tensor.Numbers;

/**
 * Encodes float rows into GGUF tensor types: F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K and Q6_K. Simple, valid encodings
 * (round to nearest with per-block scales; no search for the best scales as llama.cpp's quantizer does), for
 * random-weight models and for tests.
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
}
