package dev.meridian.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A structure-aware fuzzer of GGUF files: it learns where each field of a valid file lies (magic, version, counts,
 * string lengths, value and array types, array lengths, tensor dimensions, types and offsets), then mutates those
 * fields with values chosen to hurt (0, 1, -1, powers of two, the largest values), flips random bytes, overwrites
 * ranges, and truncates. Each case is loaded as the local provider loads a model, then asked for two tokens; the
 * outcome must be a model that works or an {@link EngineException} naming the problem, within
 * {@link #CASE_TIMEOUT_MS} and without exhausting the heap.
 */
final class GgufFuzzer {
    static final long CASE_TIMEOUT_MS = 2_000;

    enum Outcome {
        LOADED, REFUSED, CRASH, HEAP_EXHAUSTED, HANG
    }

    /** What the run found; {@link #failures} holds the first few crashes, hangs and heap exhaustions. */
    static final class Report {
        final Map<Outcome, Integer> counts = new EnumMap<>(Outcome.class);
        final List<String> failures = new ArrayList<>();
        long slowestMillis;

        int count(Outcome outcome) {
            return counts.getOrDefault(outcome, 0);
        }

        int failed() {
            return count(Outcome.CRASH) + count(Outcome.HEAP_EXHAUSTED) + count(Outcome.HANG);
        }

        @Override
        public String toString() {
            return counts + ", slowest case " + slowestMillis + " ms";
        }
    }

    private enum Kind {
        MAGIC, VERSION, COUNT, STRING_LENGTH, VALUE_TYPE, ARRAY_TYPE, ARRAY_LENGTH, DIMS_COUNT, DIM, TENSOR_TYPE,
        TENSOR_OFFSET, SCALAR
    }

    private record Field(long offset, int size, Kind kind) {
    }

    private static final long[] HURTFUL = { 0, 1, 2, 3, 7, 8, 31, 32, 255, 256, 4095, 4096, 65535, 65536,
            (1L << 24) - 1, 1L << 24, (1L << 31) - 1, 1L << 31, (1L << 32) - 1, 1L << 32, 1L << 40, Long.MAX_VALUE,
            -1, -2, Long.MIN_VALUE, 13, 24, 30, 40 };

    private final SplittableRandom random;
    private final List<byte[]> seeds = new ArrayList<>();
    private final List<List<Field>> layouts = new ArrayList<>();
    private ExecutorService worker = newWorker();

    GgufFuzzer(List<Path> seedFiles, long seed) throws IOException {
        this.random = new SplittableRandom(seed);
        for (Path file : seedFiles) {
            byte[] bytes = Files.readAllBytes(file);
            seeds.add(bytes);
            layouts.add(layout(bytes));
        }
    }

    private static ExecutorService newWorker() {
        return Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "gguf-fuzz-case");
            thread.setDaemon(true); // a hung case must not keep the JVM alive
            return thread;
        });
    }

    Report run(int cases, Path work) throws IOException {
        Report report = new Report();
        Path file = work.resolve("case.gguf");
        for (int i = 0; i < cases; i++) {
            int which = random.nextInt(seeds.size());
            byte[] mutated = mutate(seeds.get(which), layouts.get(which));
            Files.write(file, mutated);
            long start = System.nanoTime();
            Outcome outcome = attempt(file, report, i);
            report.slowestMillis = Math.max(report.slowestMillis, (System.nanoTime() - start) / 1_000_000);
            report.counts.merge(outcome, 1, Integer::sum);
        }
        worker.shutdownNow();
        return report;
    }

    private Outcome attempt(Path file, Report report, int number) {
        Future<Outcome> result = worker.submit(() -> load(file));
        try {
            return result.get(CASE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            result.cancel(true);
            worker.shutdownNow();
            worker = newWorker(); // the hung thread is abandoned (a daemon)
            note(report, "case " + number + ": no outcome within " + CASE_TIMEOUT_MS + " ms");
            return Outcome.HANG;
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof OutOfMemoryError) {
                note(report, "case " + number + ": " + cause);
                return Outcome.HEAP_EXHAUSTED;
            }
            StringBuilder trace = new StringBuilder("case " + number + ": " + cause);
            for (StackTraceElement frame : cause.getStackTrace()) {
                if (trace.length() > 1500) {
                    break;
                }
                trace.append("\n    at ").append(frame);
            }
            note(report, trace.toString());
            return Outcome.CRASH;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void note(Report report, String failure) {
        if (report.failures.size() < 10) {
            report.failures.add(failure);
        }
    }

    /** Loads the model as the local provider does and asks for two tokens. */
    private static Outcome load(Path file) {
        try (LocalModel model = LocalModel.load(file, new LocalModel.Options(1, 32, null), null)) {
            int[] prompt = model.tokenize("Hi", true, false);
            model.generate(prompt.length == 0 ? new int[] { 0 } : prompt,
                    new Generation.Settings(2, Sampling.GREEDY, List.of(), null), delta -> {
                    });
            return Outcome.LOADED;
        } catch (EngineException e) {
            if (e.getMessage() == null || e.getMessage().isBlank()) {
                throw new IllegalStateException("an EngineException without a message", e);
            }
            return Outcome.REFUSED;
        }
    }

    // ---- mutations ----

    private byte[] mutate(byte[] seed, List<Field> layout) {
        byte[] bytes = seed.clone();
        int mutations = 1 + (random.nextInt(4) == 0 ? random.nextInt(3) : 0);
        for (int m = 0; m < mutations; m++) {
            int strategy = random.nextInt(10);
            if (strategy < 6) {
                Field field = layout.get(random.nextInt(layout.size()));
                writeField(bytes, field);
            } else if (strategy < 8) {
                for (int flips = 1 + random.nextInt(8); flips > 0; flips--) {
                    bytes[random.nextInt(bytes.length)] ^= (byte) (1 << random.nextInt(8));
                }
            } else if (strategy < 9) {
                int start = random.nextInt(bytes.length);
                int length = Math.min(bytes.length - start, 1 + random.nextInt(64));
                for (int i = 0; i < length; i++) {
                    bytes[start + i] = (byte) random.nextInt(256);
                }
            } else {
                // truncated: anywhere, or just after a field
                int cut = random.nextBoolean() ? random.nextInt(bytes.length)
                        : (int) Math.min(bytes.length, layout.get(random.nextInt(layout.size())).offset());
                bytes = java.util.Arrays.copyOf(bytes, cut);
                if (bytes.length == 0) {
                    return bytes;
                }
            }
        }
        return bytes;
    }

    private void writeField(byte[] bytes, Field field) {
        if (field.offset() + field.size() > bytes.length) {
            return;
        }
        long value = switch (field.kind()) {
            case MAGIC -> random.nextBoolean() ? 0x46554746L : random.nextLong();
            case VERSION -> random.nextInt(6) - 1;
            case VALUE_TYPE, ARRAY_TYPE, TENSOR_TYPE -> random.nextBoolean() ? random.nextInt(40) : hurtful();
            case DIMS_COUNT -> random.nextInt(7) - 1;
            default -> random.nextInt(5) == 0 ? random.nextLong() : hurtful() + (random.nextBoolean() ? 0
                    : random.nextInt(3) - 1);
        };
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int at = (int) field.offset();
        switch (field.size()) {
            case 1 -> buffer.put(at, (byte) value);
            case 2 -> buffer.putShort(at, (short) value);
            case 4 -> buffer.putInt(at, (int) value);
            default -> buffer.putLong(at, value);
        }
    }

    private long hurtful() {
        return HURTFUL[random.nextInt(HURTFUL.length)];
    }

    // ---- where the fields of a valid file lie ----

    private static List<Field> layout(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        List<Field> fields = new ArrayList<>();
        fields.add(new Field(0, 4, Kind.MAGIC));
        fields.add(new Field(4, 4, Kind.VERSION));
        fields.add(new Field(8, 8, Kind.COUNT));
        fields.add(new Field(16, 8, Kind.COUNT));
        long tensors = in.getLong(8);
        long entries = in.getLong(16);
        in.position(24);
        for (long i = 0; i < entries; i++) {
            string(in, fields);
            fields.add(new Field(in.position(), 4, Kind.VALUE_TYPE));
            value(in, in.getInt(), fields);
        }
        for (long i = 0; i < tensors; i++) {
            string(in, fields);
            fields.add(new Field(in.position(), 4, Kind.DIMS_COUNT));
            int dims = in.getInt();
            for (int d = 0; d < dims; d++) {
                fields.add(new Field(in.position(), 8, Kind.DIM));
                in.getLong();
            }
            fields.add(new Field(in.position(), 4, Kind.TENSOR_TYPE));
            in.getInt();
            fields.add(new Field(in.position(), 8, Kind.TENSOR_OFFSET));
            in.getLong();
        }
        return fields;
    }

    private static void string(ByteBuffer in, List<Field> fields) {
        fields.add(new Field(in.position(), 8, Kind.STRING_LENGTH));
        long length = in.getLong();
        in.position(in.position() + (int) length);
    }

    private static void value(ByteBuffer in, int type, List<Field> fields) {
        switch (type) {
            case 0, 1, 7 -> scalar(in, 1, fields);
            case 2, 3 -> scalar(in, 2, fields);
            case 4, 5, 6 -> scalar(in, 4, fields);
            case 10, 11, 12 -> scalar(in, 8, fields);
            case 8 -> string(in, fields);
            case 9 -> {
                fields.add(new Field(in.position(), 4, Kind.ARRAY_TYPE));
                int itemType = in.getInt();
                fields.add(new Field(in.position(), 8, Kind.ARRAY_LENGTH));
                long n = in.getLong();
                List<Field> items = new ArrayList<>();
                for (long i = 0; i < n; i++) {
                    value(in, itemType, items);
                }
                // a vocabulary has thousands of items: keep a few of them as targets, not all
                for (int i = 0; i < Math.min(items.size(), 8); i++) {
                    fields.add(items.get(i * Math.max(1, items.size() / 8)));
                }
            }
            default -> throw new IllegalArgumentException("seed file has an unknown value type " + type);
        }
    }

    private static void scalar(ByteBuffer in, int size, List<Field> fields) {
        fields.add(new Field(in.position(), size, Kind.SCALAR));
        in.position(in.position() + size);
    }

    /** {@code java ... GgufFuzzer CASES SEED FILE...}: a run from the command line (see docs/benchmarks.md). */
    public static void main(String[] args) throws IOException {
        int cases = Integer.parseInt(args[0]);
        long seed = Long.parseLong(args[1]);
        List<Path> files = new ArrayList<>();
        for (int i = 2; i < args.length; i++) {
            files.add(Path.of(args[i]));
        }
        Path work = Files.createTempDirectory("gguf-fuzz");
        Report report = new GgufFuzzer(files, seed).run(cases, work);
        System.out.println("gguf fuzz seed=" + seed + " cases=" + cases + ": " + report);
        report.failures.forEach(System.out::println);
        System.exit(report.failed() == 0 ? 0 : 1);
    }
}
