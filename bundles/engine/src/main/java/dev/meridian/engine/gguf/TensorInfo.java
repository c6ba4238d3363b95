package dev.meridian.engine.gguf;

import java.lang.foreign.MemorySegment;

/**
 * A tensor of a GGUF file: its name, shape ({@code dims[0]} is the row length, as in ggml), type, and its bytes
 * as a slice of the memory-mapped file (never copied).
 */
public record TensorInfo(String name, long[] dims, GgmlType type, long offset, MemorySegment data) {

    public long elements() {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        return n;
    }

    /** Elements per row ({@code dims[0]}). */
    public int rowLength() {
        return (int) dims[0];
    }

    /** Number of rows (product of the other dimensions). */
    public int rows() {
        return (int) (elements() / dims[0]);
    }

    public String shape() {
        return java.util.Arrays.toString(dims);
    }
}
