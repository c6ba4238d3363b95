package dev.meridian.engine.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import dev.meridian.engine.EngineException;
import dev.meridian.engine.gguf.GgufFile;

/**
 * Text to token ids and back, from a GGUF file's tokenizer: byte-level BPE ({@code gpt2}: Qwen, Llama 3, GPT-2) or
 * SentencePiece-style BPE ({@code llama}: Llama 2). Special tokens: user-defined ones are always recognised in the
 * text; control tokens ({@code <|im_start|>}, ...) only when {@code parseSpecial} is on. Thread-safe.
 */
public abstract sealed class Tokenizer permits ByteLevelBpe, SentencePieceBpe {
    protected final Vocabulary vocab;
    private final java.util.Map<Character, List<String>> specials; // by first character, longest first

    protected Tokenizer(Vocabulary vocab) {
        this.vocab = vocab;
        List<String> found = new ArrayList<>();
        for (int i = 0; i < vocab.size(); i++) {
            int type = vocab.types[i];
            if ((type == Vocabulary.CONTROL || type == Vocabulary.USER_DEFINED) && !vocab.tokens[i].isEmpty()) {
                found.add(vocab.tokens[i]);
            }
        }
        found.sort(Comparator.comparingInt(String::length).reversed());
        java.util.Map<Character, List<String>> byFirst = new java.util.HashMap<>();
        for (String special : found) {
            byFirst.computeIfAbsent(special.charAt(0), c -> new ArrayList<>()).add(special);
        }
        byFirst.replaceAll((c, list) -> List.copyOf(list));
        specials = java.util.Map.copyOf(byFirst);
    }

    public static Tokenizer of(GgufFile file) {
        Vocabulary vocab = new Vocabulary(file);
        return switch (vocab.model) {
            case "gpt2" -> new ByteLevelBpe(vocab);
            case "llama" -> new SentencePieceBpe(vocab);
            default -> throw new EngineException(file.path().getFileName() + ": tokenizer model '" + vocab.model
                    + "' is not supported (gpt2 and llama are)");
        };
    }

    public Vocabulary vocabulary() {
        return vocab;
    }

    /** Token ids of {@code text}; with {@code addSpecial} the BOS token first if the model wants one. */
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        return encode(text, addSpecial, index -> parseSpecial);
    }

    /**
     * Token ids of {@code text}, reading control tokens only where {@code controlAt} allows (a chat template marks
     * the ones it put there; user text must never become a control token). User-defined tokens are always read.
     */
    public int[] encode(String text, boolean addSpecial, java.util.function.IntPredicate controlAt) {
        return encode(text, addSpecial, controlAt, Budget.UNLIMITED);
    }

    /** As above, within {@code budget}: stops at a cancel or as soon as the text needs more tokens than it allows. */
    public int[] encode(String text, boolean addSpecial, java.util.function.IntPredicate controlAt, Budget budget) {
        List<Integer> out = new ArrayList<>();
        if (addSpecial && vocab.addBos && vocab.bos >= 0) {
            out.add(vocab.bos);
        }
        boolean previousSpecial = true;
        int start = 0;
        int i = 0;
        while (i < text.length()) {
            String special = specialAt(text, i, controlAt.test(i));
            if (special == null) {
                i++;
                continue;
            }
            if (i > start) {
                encodeText(text.substring(start, i), previousSpecial, out, budget);
            }
            out.add(vocab.id(special));
            budget.check(out.size());
            previousSpecial = true;
            i += special.length();
            start = i;
        }
        if (start < text.length()) {
            encodeText(text.substring(start), previousSpecial, out, budget);
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private String specialAt(String text, int i, boolean parseSpecial) {
        for (String special : specials.getOrDefault(text.charAt(i), List.of())) {
            if (text.startsWith(special, i)) {
                int type = vocab.types[vocab.id(special)];
                if (type == Vocabulary.USER_DEFINED || parseSpecial) {
                    return special;
                }
            }
        }
        return null;
    }

    /**
     * Merges adjacent symbols while some pair may merge: each round the pair with the lowest {@code cost} (leftmost
     * on ties); a pair that may not merge costs {@code +∞}. A queue of the current pairs, ordered by cost then
     * position, replaces the rescan of every pair per merge: O(n log n) for a word of n symbols, so a long run of text
     * without spaces (or SentencePiece's whole text) takes time in proportion to its length, not its square.
     */
    static void mergePairs(List<String> symbols, java.util.function.ToDoubleBiFunction<String, String> cost,
            Budget budget) {
        int n = symbols.size();
        if (n < 2) {
            return;
        }
        String[] text = symbols.toArray(new String[0]);
        int[] previous = new int[n];
        int[] next = new int[n];
        for (int i = 0; i < n; i++) {
            previous[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        // each entry: the pair's cost and its left symbol's position, one long (no object per pair); an entry whose
        // pair changed since is recognised when it comes up, by its cost no longer being the pair's
        PairHeap queue = new PairHeap(n);
        for (int i = 0; i + 1 < n; i++) {
            queue.offer(cost.applyAsDouble(text[i], text[i + 1]), i);
        }
        int merges = 0;
        while (!queue.isEmpty()) {
            long entry = queue.poll();
            int left = PairHeap.position(entry);
            int right = text[left] == null ? -1 : next[left];
            if (right < 0 || PairHeap.key(cost.applyAsDouble(text[left], text[right]), left) != entry) {
                continue; // a symbol of this pair merged with another meanwhile
            }
            text[left] = text[left] + text[right];
            text[right] = null;
            next[left] = next[right];
            if (next[right] >= 0) {
                previous[next[right]] = left;
            }
            if (previous[left] >= 0) {
                queue.offer(cost.applyAsDouble(text[previous[left]], text[left]), previous[left]);
            }
            if (next[left] >= 0) {
                queue.offer(cost.applyAsDouble(text[left], text[next[left]]), left);
            }
            if ((++merges & 4095) == 0) {
                budget.check(0);
            }
        }
        symbols.clear();
        for (int i = 0; i >= 0; i = next[i]) {
            symbols.add(text[i]);
        }
    }

    /**
     * A binary min-heap of pairs as longs: the cost (as a float, in sortable bits) above the left position, so the
     * cheapest pair comes first and, among equal costs, the leftmost. Pairs that may not merge are never queued.
     */
    static final class PairHeap {
        private long[] heap;
        private int size;

        PairHeap(int capacity) {
            heap = new long[Math.max(16, capacity)];
        }

        static long key(double cost, int position) {
            int bits = Float.floatToIntBits((float) cost);
            bits ^= (bits >> 31) & 0x7fffffff; // negative floats: flip, so the int order is the float order
            return ((long) bits << 32) | (position & 0xffffffffL);
        }

        static int position(long key) {
            return (int) key;
        }

        void offer(double cost, int position) {
            if (cost == Double.POSITIVE_INFINITY) {
                return;
            }
            if (size == heap.length) {
                heap = java.util.Arrays.copyOf(heap, size * 2);
            }
            long key = key(cost, position);
            int i = size++;
            while (i > 0 && heap[(i - 1) / 2] > key) {
                heap[i] = heap[(i - 1) / 2];
                i = (i - 1) / 2;
            }
            heap[i] = key;
        }

        boolean isEmpty() {
            return size == 0;
        }

        long poll() {
            long top = heap[0];
            long last = heap[--size];
            int i = 0;
            while (true) {
                int child = 2 * i + 1;
                if (child >= size) {
                    break;
                }
                if (child + 1 < size && heap[child + 1] < heap[child]) {
                    child++;
                }
                if (heap[child] >= last) {
                    break;
                }
                heap[i] = heap[child];
                i = child;
            }
            heap[i] = last;
            return top;
        }
    }

    /**
     * What one tokenization may spend: at most {@code maxTokens} tokens (the text is refused as soon as it needs
     * more, without tokenizing the rest), and only until {@code cancelled}.
     */
    public record Budget(int maxTokens, java.util.function.BooleanSupplier cancelled) {
        public static final Budget UNLIMITED = new Budget(Integer.MAX_VALUE, () -> false);

        /**
         * @throws java.util.concurrent.CancellationException when cancelled
         * @throws EngineException                            when {@code produced} exceeds the budget
         */
        void check(int produced) {
            if (cancelled.getAsBoolean()) {
                throw new java.util.concurrent.CancellationException("tokenizing was cancelled");
            }
            if (produced > maxTokens) {
                throw new EngineException("the text has more than " + maxTokens + " tokens");
            }
        }
    }

    /**
     * Encodes text without special tokens; {@code afterSpecial} is true at the start or after a special token.
     * Checks {@code budget} as it goes.
     */
    protected abstract void encodeText(String text, boolean afterSpecial, List<Integer> out, Budget budget);

    /** The bytes a token stands for in generated text (control tokens: none). */
    public abstract byte[] bytes(int id);

    /** The text of a sequence of tokens. */
    public String decode(int[] ids) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int id : ids) {
            out.writeBytes(bytes(id));
        }
        return out.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    public int bos() {
        return vocab.bos;
    }

    public int eos() {
        return vocab.eos;
    }

    /** Whether {@code id} ends generation: EOS, EOT, or a control token such as {@code <|im_end|>}. */
    public boolean endsGeneration(int id) {
        if (id == vocab.eos || id == vocab.eot) {
            return true;
        }
        String text = vocab.tokens[id];
        return vocab.types[id] == Vocabulary.CONTROL && (text.equals("<|im_end|>") || text.equals("<|eot_id|>")
                || text.equals("<|endoftext|>") || text.equals("<|end_of_text|>"));
    }

    public int size() {
        return vocab.size();
    }
}
