package dev.meridian.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The eight 6-bit scales and eight 6-bit mins of a Q4_K or Q5_K super-block, packed in 12 bytes (ggml's
 * get_scale_min_k4): bytes 0-3 hold scales 0-3 in their low 6 bits and bytes 4-7 mins 0-3; bytes 8-11 hold the low
 * 4 bits of scales 4-7 (low nibbles) and of mins 4-7 (high nibbles), whose top 2 bits are the top 2 bits of bytes
 * 0-3 and 4-7. Unpacked with three int loads and masks, eight to a long: sub-block {@code j} at bits {@code 8 j}.
 */
final class KScales {
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private KScales() {
    }

    /** The scales of the 12 packed bytes at {@code at}. */
    static long scales(MemorySegment data, long at) {
        int first = data.get(INT, at);
        int last = data.get(INT, at + 8);
        return (first & 0x3F3F3F3FL) | (((last & 0x0F0F0F0F) | ((first >>> 2) & 0x30303030)) & 0xFFFFFFFFL) << 32;
    }

    /** The mins of the 12 packed bytes at {@code at}. */
    static long mins(MemorySegment data, long at) {
        int middle = data.get(INT, at + 4);
        int last = data.get(INT, at + 8);
        return (middle & 0x3F3F3F3FL)
                | ((((last >>> 4) & 0x0F0F0F0F) | ((middle >>> 2) & 0x30303030)) & 0xFFFFFFFFL) << 32;
    }

    /** Sub-block {@code j}'s value of unpacked scales or mins. */
    static int of(long unpacked, int j) {
        return (int) (unpacked >>> (8 * j)) & 0xFF;
    }

    /** {@code Σ mins[j] * sums32[from + j]}: the mins against the activations' sums of each 32 values. */
    static int weightedMins(long mins, int[] sums32, int from) {
        int sum = 0;
        for (int j = 0; j < 8; j++) {
            sum += of(mins, j) * sums32[from + j];
        }
        return sum;
    }
}
