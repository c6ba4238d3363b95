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
    private final List<String> specials;

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
        specials = List.copyOf(found);
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
                encodeText(text.substring(start, i), previousSpecial, out);
            }
            out.add(vocab.id(special));
            previousSpecial = true;
            i += special.length();
            start = i;
        }
        if (start < text.length()) {
            encodeText(text.substring(start), previousSpecial, out);
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private String specialAt(String text, int i, boolean parseSpecial) {
        for (String special : specials) {
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
     * on ties); a pair that may not merge costs {@code +∞}.
     */
    static void mergePairs(List<String> symbols, java.util.function.ToDoubleBiFunction<String, String> cost) {
        while (symbols.size() > 1) {
            int best = -1;
            double bestCost = Double.POSITIVE_INFINITY;
            for (int i = 0; i + 1 < symbols.size(); i++) {
                double c = cost.applyAsDouble(symbols.get(i), symbols.get(i + 1));
                if (c < bestCost) {
                    bestCost = c;
                    best = i;
                }
            }
            if (best < 0) {
                return;
            }
            symbols.set(best, symbols.get(best) + symbols.remove(best + 1));
        }
    }

    /** Encodes text without special tokens; {@code afterSpecial} is true at the start or after a special token. */
    protected abstract void encodeText(String text, boolean afterSpecial, List<Integer> out);

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
