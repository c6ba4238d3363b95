package dev.meridian.engine.gguf;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.meridian.engine.EngineException;

/**
 * A GGUF file (versions 2 and 3), memory-mapped: its metadata (every value type, arrays included) and its tensor
 * table. Tensor data stays in the mapping; nothing of it is copied onto the heap. Every count, length, offset and
 * shape is checked against the file before use, so a truncated or corrupt file fails with a message naming the
 * problem instead of crashing, hanging or exhausting memory. Closing unmaps the file.
 */
public final class GgufFile implements AutoCloseable {
    private static final int MAGIC = 0x46554747; // "GGUF" little-endian
    private static final long MAX_COUNT = 1L << 24;
    /**
     * What the metadata and tensor table may take on the heap, estimated as they are read (a string costs its bytes
     * plus {@value #OBJECT_COST}): large vocabularies take about 20 MiB, and a hostile file fails here rather than
     * exhausting the heap with millions of tiny strings.
     */
    static final long HEAP_BUDGET = 64L << 20;
    private static final long OBJECT_COST = 48;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED
            .withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED
            .withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE_UNALIGNED
            .withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path path;
    private final Arena arena;
    private final MemorySegment file;
    private final int version;
    private final Map<String, Object> metadata;
    private final Map<String, TensorInfo> tensors;
    private long position;
    private long heapUsed;

    private GgufFile(Path path) {
        this.path = path;
        this.arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            this.file = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw new EngineException(path + ": cannot open: " + e.getMessage(), e);
        }
        try {
            if (file.byteSize() < 24) {
                throw fail("too short for a GGUF header (" + file.byteSize() + " bytes)");
            }
            int magic = file.get(INT, 0);
            if (magic != MAGIC) {
                throw fail(String.format("not a GGUF file (magic 0x%08x, expected 0x%08x \"GGUF\")", magic, MAGIC));
            }
            version = file.get(INT, 4);
            if (version != 2 && version != 3) {
                throw fail("GGUF version " + version + " is not supported (2 and 3 are)");
            }
            position = 8;
            long tensorCount = count(readLong(), "tensor count");
            long kvCount = count(readLong(), "metadata count");
            // each metadata entry takes at least 13 bytes of the file, each tensor entry 32: refuse counts it cannot hold
            if (kvCount > remaining() / 13 || tensorCount > (remaining() - kvCount * 13) / 32) {
                throw fail("counts of " + kvCount + " metadata entries and " + tensorCount
                        + " tensors do not fit in the file's " + file.byteSize()
                        + " bytes (truncated, or corrupt counts)");
            }
            Map<String, Object> kv = new LinkedHashMap<>();
            for (long i = 0; i < kvCount; i++) {
                String key = readString("metadata key");
                int type = readInt();
                kv.put(key, readValue(type, key, 0));
            }
            metadata = Collections.unmodifiableMap(kv);
            long alignment = metadata.get("general.alignment") instanceof Number n ? n.longValue() : 32;
            if (alignment <= 0 || (alignment & (alignment - 1)) != 0 || alignment > 1 << 20) {
                throw fail("general.alignment " + alignment + " is not a power of two");
            }
            List<long[]> shapes = new ArrayList<>();
            List<String> names = new ArrayList<>();
            List<Integer> types = new ArrayList<>();
            List<Long> offsets = new ArrayList<>();
            for (long i = 0; i < tensorCount; i++) {
                String name = readString("tensor name");
                spend(OBJECT_COST * 4, "tensor table");
                int dimsCount = readInt();
                if (dimsCount < 1 || dimsCount > 4) {
                    throw fail("tensor " + name + " has " + dimsCount + " dimensions (1 to 4 allowed)");
                }
                long[] dims = new long[dimsCount];
                for (int d = 0; d < dimsCount; d++) {
                    dims[d] = readLong();
                    if (dims[d] <= 0 || dims[d] > 1L << 31) {
                        throw fail("tensor " + name + " has an absurd dimension " + Long.toUnsignedString(dims[d]));
                    }
                }
                names.add(name);
                shapes.add(dims);
                types.add(readInt());
                offsets.add(readLong());
            }
            long dataStart = (position + alignment - 1) / alignment * alignment;
            Map<String, TensorInfo> table = new LinkedHashMap<>();
            for (int i = 0; i < names.size(); i++) {
                table.put(names.get(i), tensor(names.get(i), shapes.get(i), types.get(i), offsets.get(i), dataStart,
                        alignment));
            }
            tensors = Collections.unmodifiableMap(table);
        } catch (RuntimeException e) {
            arena.close();
            throw e instanceof EngineException ee ? ee : fail("corrupt: " + e);
        }
    }

    /** Opens and maps a GGUF file. @throws EngineException naming the problem */
    public static GgufFile open(Path path) {
        return new GgufFile(path);
    }

    private TensorInfo tensor(String name, long[] dims, int typeId, long offset, long dataStart, long alignment) {
        GgmlType type = GgmlType.of(typeId);
        if (type == null) {
            throw fail("tensor " + name + " has type " + GgmlType.nameOf(typeId) + ", which the engine does not read "
                    + "(it reads " + java.util.Arrays.stream(GgmlType.values()).map(GgmlType::name)
                            .collect(java.util.stream.Collectors.joining(", ")) + ")");
        }
        long elements = 1;
        for (long d : dims) {
            elements = Math.multiplyExact(elements, d);
        }
        if (dims[0] % type.blockSize != 0) {
            throw fail("tensor " + name + " of type " + type + " has rows of " + dims[0] + " elements, not a multiple "
                    + "of its block size " + type.blockSize);
        }
        long bytes = type.bytes(elements);
        if (offset < 0 || offset % alignment != 0) {
            throw fail("tensor " + name + " has a misaligned offset " + offset);
        }
        long start = dataStart + offset;
        if (start < dataStart || start > file.byteSize() || bytes > file.byteSize() - start) {
            throw fail("tensor " + name + " " + java.util.Arrays.toString(dims) + " " + type + " lies outside the file "
                    + "(needs bytes " + start + ".." + (start + bytes) + " of " + file.byteSize()
                    + "; truncated file?)");
        }
        return new TensorInfo(name, dims, type, start, file.asSlice(start, bytes));
    }

    private Object readValue(int type, String key, int depth) {
        return switch (type) {
            case 0 -> (int) readBytes(1).get(ValueLayout.JAVA_BYTE, 0) & 0xFF;
            case 1 -> (int) readBytes(1).get(ValueLayout.JAVA_BYTE, 0);
            case 2 -> (int) readBytes(2).get(SHORT, 0) & 0xFFFF;
            case 3 -> (int) readBytes(2).get(SHORT, 0);
            case 4 -> Integer.toUnsignedLong(readInt());
            case 5 -> readInt();
            case 6 -> readBytes(4).get(FLOAT, 0);
            case 7 -> readBytes(1).get(ValueLayout.JAVA_BYTE, 0) != 0;
            case 8 -> readString(key);
            case 9 -> readArray(key, depth);
            case 10, 11 -> readLong();
            case 12 -> readBytes(8).get(DOUBLE, 0);
            default -> throw fail("metadata " + key + " has an unknown value type " + type);
        };
    }

    private Object readArray(String key, int depth) {
        if (depth > 2) {
            throw fail("metadata " + key + " nests arrays too deeply");
        }
        int type = readInt();
        long n = readLong();
        long itemBytes = minimumBytes(type, key);
        if (n < 0 || n > MAX_COUNT || n > remaining() / itemBytes) {
            throw fail("metadata " + key + " claims " + Long.toUnsignedString(n) + " array items of type " + type
                    + ", more than the file holds");
        }
        // checked before anything is allocated: the items' heap cost against the budget (strings add their own)
        spend(n * switch (type) {
            case 4, 5, 6 -> 4;
            case 8 -> 8;
            default -> OBJECT_COST;
        }, "metadata " + key);
        if (type == 6) { // float arrays are large (scores): read them compactly
            float[] values = new float[(int) n];
            MemorySegment bytes = readBytes(n * 4);
            for (int i = 0; i < n; i++) {
                values[i] = bytes.get(FLOAT, i * 4L);
            }
            return values;
        }
        if (type == 5 || type == 4) {
            int[] values = new int[(int) n];
            MemorySegment bytes = readBytes(n * 4);
            for (int i = 0; i < n; i++) {
                values[i] = bytes.get(INT, i * 4L);
            }
            return values;
        }
        List<Object> values = new ArrayList<>((int) Math.min(n, 1 << 16));
        for (long i = 0; i < n; i++) {
            values.add(readValue(type, key, depth + 1));
        }
        return Collections.unmodifiableList(values);
    }

    /** The least number of file bytes one value of {@code type} takes. */
    private long minimumBytes(int type, String key) {
        return switch (type) {
            case 0, 1, 7 -> 1;
            case 2, 3 -> 2;
            case 4, 5, 6 -> 4;
            case 8, 10, 11, 12 -> 8;
            case 9 -> 12; // a nested array: its type and its count
            default -> throw fail("metadata " + key + " is an array of unknown type " + type);
        };
    }

    private long remaining() {
        return file.byteSize() - position;
    }

    private void spend(long bytes, String what) {
        heapUsed += bytes;
        if (bytes < 0 || heapUsed > HEAP_BUDGET) {
            throw fail(what + " would take more than " + (HEAP_BUDGET >> 20) + " MiB of memory (metadata and "
                    + "tensor table together)");
        }
    }

    private String readString(String what) {
        long length = readLong();
        if (length < 0 || length > file.byteSize() - position || length > 1 << 26) {
            throw fail(what + " has an impossible length " + Long.toUnsignedString(length) + " at offset "
                    + (position - 8));
        }
        spend(OBJECT_COST + 2 * length, what);
        byte[] bytes = readBytes(length).toArray(ValueLayout.JAVA_BYTE);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE).decode(java.nio.ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw fail(what + " is not UTF-8");
        }
    }

    private MemorySegment readBytes(long n) {
        if (n < 0 || n > file.byteSize() - position) {
            throw fail("truncated: needs " + n + " bytes at offset " + position + " of " + file.byteSize());
        }
        MemorySegment slice = file.asSlice(position, n);
        position += n;
        return slice;
    }

    private int readInt() {
        return readBytes(4).get(INT, 0);
    }

    private long readLong() {
        return readBytes(8).get(LONG, 0);
    }

    private long count(long value, String what) {
        if (value < 0 || value > MAX_COUNT) {
            throw fail("absurd " + what + " " + Long.toUnsignedString(value));
        }
        return value;
    }

    private EngineException fail(String problem) {
        return new EngineException(path.getFileName() + ": " + problem);
    }

    public int version() {
        return version;
    }

    public Path path() {
        return path;
    }

    public Map<String, Object> metadata() {
        return metadata;
    }

    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    /** @return the tensor, or {@code null} */
    public TensorInfo tensor(String name) {
        return tensors.get(name);
    }

    public String string(String key, String defaultValue) {
        return metadata.get(key) instanceof String s ? s : defaultValue;
    }

    public long number(String key, long defaultValue) {
        return metadata.get(key) instanceof Number n ? n.longValue() : defaultValue;
    }

    public float real(String key, float defaultValue) {
        return metadata.get(key) instanceof Number n ? n.floatValue() : defaultValue;
    }

    public boolean flag(String key, boolean defaultValue) {
        return metadata.get(key) instanceof Boolean b ? b : defaultValue;
    }

    /** A required number. @throws EngineException naming the key */
    public long required(String key) {
        if (!(metadata.get(key) instanceof Number n)) {
            throw fail("metadata " + key + " is missing");
        }
        return n.longValue();
    }

    public long size() {
        return file.byteSize();
    }

    @Override
    public void close() {
        arena.close();
    }
}
