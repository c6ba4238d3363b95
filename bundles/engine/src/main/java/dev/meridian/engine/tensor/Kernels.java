package dev.meridian.engine.tensor;

/**
 * Which kernels run: the Vector API ones when the JVM has {@code jdk.incubator.vector} (started with
 * {@code --add-modules jdk.incubator.vector}) and it is visible to this code, else the scalar fallback. The system
 * property {@code meridian.engine.scalar=true} forces the scalar kernels (for comparison).
 */
public final class Kernels {
    public static final boolean VECTOR = detect();
    /**
     * Whether the Vector API runs on 128-bit vectors only (NEON-class CPUs; here {@code -XX:MaxVectorSize=16}):
     * decoding takes {@link NarrowKernels}, and the prompt product dequantizes rows with the scalar {@code row}.
     */
    static final boolean NARROW = VECTOR && VectorKernels.NARROW;

    private Kernels() {
    }

    private static boolean detect() {
        if (Boolean.getBoolean("meridian.engine.scalar")) {
            return false;
        }
        try {
            Class.forName("jdk.incubator.vector.FloatVector", false, Kernels.class.getClassLoader());
            return VectorKernels.available();
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    public static String describe() {
        return VECTOR ? "Vector API (" + VectorKernels.shape() + ")" : "scalar";
    }
}
