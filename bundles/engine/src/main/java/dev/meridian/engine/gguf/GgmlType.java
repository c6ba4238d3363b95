package dev.meridian.engine.gguf;

/**
 * The tensor types of GGUF files that the engine reads: id as stored, elements per block and bytes per block.
 */
public enum GgmlType {
    F32(0, 1, 4),
    F16(1, 1, 2),
    Q4_0(2, 32, 18),
    Q4_1(3, 32, 20),
    Q5_0(6, 32, 22),
    Q5_1(7, 32, 24),
    Q8_0(8, 32, 34),
    Q2_K(10, 256, 84),
    Q3_K(11, 256, 110),
    Q4_K(12, 256, 144),
    Q5_K(13, 256, 176),
    Q6_K(14, 256, 210),
    IQ4_NL(20, 32, 18),
    IQ4_XS(23, 256, 136),
    BF16(30, 1, 2);

    public final int id;
    public final int blockSize;
    public final int blockBytes;

    GgmlType(int id, int blockSize, int blockBytes) {
        this.id = id;
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
    }

    /** Bytes of {@code elements} values; {@code elements} must be a multiple of the block size. */
    public long bytes(long elements) {
        return elements / blockSize * blockBytes;
    }

    /** @return the type, or {@code null} if the engine does not know this id */
    public static GgmlType of(int id) {
        for (GgmlType type : values()) {
            if (type.id == id) {
                return type;
            }
        }
        return null;
    }

    /** Names of ids the engine does not read, for error messages. */
    public static String nameOf(int id) {
        GgmlType type = of(id);
        if (type != null) {
            return type.name();
        }
        return switch (id) {
            case 9 -> "Q8_1";
            case 15 -> "Q8_K";
            case 16 -> "IQ2_XXS";
            case 17 -> "IQ2_XS";
            case 18 -> "IQ3_XXS";
            case 19 -> "IQ1_S";
            case 21 -> "IQ3_S";
            case 22 -> "IQ2_S";
            case 29 -> "IQ1_M";
            default -> "type " + id;
        };
    }
}
