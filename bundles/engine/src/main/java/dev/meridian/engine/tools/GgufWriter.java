package dev.meridian.engine.tools;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.meridian.engine.gguf.GgmlType;

/**
 * Writes GGUF version 3 files: metadata of the common value types and tensors already encoded in their type
 * ({@link Quantizer} encodes floats). Used by {@code random-model} and by tests that build tiny models.
 */
public final class GgufWriter {
    private static final int ALIGNMENT = 32;

    /** A tensor to write: {@code dims[0]} is the row length. */
    public record Tensor(String name, long[] dims, GgmlType type, byte[] data) {
    }

    private final Map<String, Object> metadata = new LinkedHashMap<>();
    private final List<Tensor> tensors = new ArrayList<>();

    /** Adds a metadata value: String, Integer (u32), Long (u64), Float, Boolean, or List/String[]/float[]/int[]. */
    public GgufWriter put(String key, Object value) {
        metadata.put(key, value);
        return this;
    }

    public GgufWriter tensor(String name, GgmlType type, byte[] data, long... dims) {
        tensors.add(new Tensor(name, dims, type, data));
        return this;
    }

    public void write(Path path) throws IOException {
        try (OutputStream file = Files.newOutputStream(path)) {
            write(file);
        }
    }

    public void write(OutputStream target) throws IOException {
        Counting counting = new Counting(new BufferedOutputStream(target, 1 << 20));
        DataOutputStream out = new DataOutputStream(counting);
        intLE(out, 0x46554747);
        intLE(out, 3);
        longLE(out, tensors.size());
        longLE(out, metadata.size() + 1);
        string(out, "general.alignment");
        intLE(out, 4);
        intLE(out, ALIGNMENT);
        for (Map.Entry<String, Object> entry : metadata.entrySet()) {
            string(out, entry.getKey());
            value(out, entry.getValue(), true);
        }
        long offset = 0;
        for (Tensor tensor : tensors) {
            string(out, tensor.name());
            intLE(out, tensor.dims().length);
            for (long d : tensor.dims()) {
                longLE(out, d);
            }
            intLE(out, tensor.type().id);
            longLE(out, offset);
            offset += pad(tensor.data().length);
        }
        padTo(out, counting);
        for (Tensor tensor : tensors) {
            out.write(tensor.data());
            padTo(out, counting);
        }
        out.flush();
    }

    private static long pad(long n) {
        return (n + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    }

    private static void padTo(DataOutputStream out, Counting counting) throws IOException {
        out.flush();
        while (counting.count % ALIGNMENT != 0) {
            out.write(0);
            out.flush();
        }
    }

    private static void value(DataOutputStream out, Object value, boolean withType) throws IOException {
        if (value instanceof String s) {
            typed(out, 8, withType);
            string(out, s);
        } else if (value instanceof Integer i) {
            typed(out, 4, withType);
            intLE(out, i);
        } else if (value instanceof Long l) {
            typed(out, 10, withType);
            longLE(out, l);
        } else if (value instanceof Float f) {
            typed(out, 6, withType);
            intLE(out, Float.floatToRawIntBits(f));
        } else if (value instanceof Boolean b) {
            typed(out, 7, withType);
            out.write(b ? 1 : 0);
        } else if (value instanceof float[] floats) {
            typed(out, 9, withType);
            intLE(out, 6);
            longLE(out, floats.length);
            ByteBuffer buffer = ByteBuffer.allocate(floats.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            buffer.asFloatBuffer().put(floats);
            out.write(buffer.array());
        } else if (value instanceof int[] ints) {
            typed(out, 9, withType);
            intLE(out, 5);
            longLE(out, ints.length);
            ByteBuffer buffer = ByteBuffer.allocate(ints.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            buffer.asIntBuffer().put(ints);
            out.write(buffer.array());
        } else if (value instanceof String[] strings) {
            value(out, List.of(strings), withType);
        } else if (value instanceof List<?> list) {
            typed(out, 9, withType);
            intLE(out, 8);
            longLE(out, list.size());
            for (Object item : list) {
                string(out, String.valueOf(item));
            }
        } else {
            throw new IllegalArgumentException("unsupported metadata value " + value);
        }
    }

    private static void typed(DataOutputStream out, int type, boolean withType) throws IOException {
        if (withType) {
            intLE(out, type);
        }
    }

    private static void string(DataOutputStream out, String s) throws IOException {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        longLE(out, bytes.length);
        out.write(bytes);
    }

    private static void intLE(DataOutputStream out, int v) throws IOException {
        out.writeInt(Integer.reverseBytes(v));
    }

    private static void longLE(DataOutputStream out, long v) throws IOException {
        out.writeLong(Long.reverseBytes(v));
    }

    private static final class Counting extends java.io.FilterOutputStream {
        long count;

        Counting(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }
}
