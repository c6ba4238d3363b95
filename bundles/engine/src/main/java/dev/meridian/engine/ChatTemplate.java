package dev.meridian.engine;

import java.util.BitSet;
import java.util.List;

/**
 * The chat formats the engine knows, recognised from a model's {@code tokenizer.chat_template}: ChatML (Qwen),
 * Llama 3, Llama 2 and Mistral's (NeMo, Ministral: {@code [INST]} and {@code [/INST]} as control tokens). A template
 * the engine does not recognise is reported ({@link #recognise} throws), never guessed; a model without a template
 * takes the plain text of the conversation ({@link #PLAIN}).
 */
public enum ChatTemplate {
    CHATML, LLAMA3, LLAMA2, MISTRAL, PLAIN;

    /** One message: role {@code system}, {@code user} or {@code assistant}. */
    public record Turn(String role, String content) {
    }

    /** @param template the model's template text, or {@code null} when it has none */
    public static ChatTemplate recognise(String template) {
        if (template == null || template.isBlank()) {
            return PLAIN;
        }
        if (template.contains("<|im_start|>")) {
            return CHATML;
        }
        if (template.contains("<|start_header_id|>")) {
            return LLAMA3;
        }
        if (template.contains("[INST]")) {
            // Llama 2 puts the system prompt in <<SYS>>; Mistral's Tekken-era templates write [INST] with no space
            boolean mistral = !template.contains("<<SYS>>")
                    && (template.contains("\"[INST]\"") || template.contains("'[INST]'"));
            return mistral ? MISTRAL : LLAMA2;
        }
        throw new EngineException("the model's chat template is not one the engine knows (ChatML, Llama 3, "
                + "Llama 2, Mistral); set the chat template explicitly. It begins: "
                + template.substring(0, Math.min(80, template.length())).replace("\n", "\\n"));
    }

    /** Parses a configured name ({@code chatml}, {@code llama3}, {@code llama2}, {@code mistral}, {@code plain}). */
    public static ChatTemplate named(String name) {
        try {
            return valueOf(name.strip().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new EngineException("chat template '" + name
                    + "' is not one of chatml, llama3, llama2, mistral, plain");
        }
    }

    /**
     * A rendered prompt: its text, and where in it the template put control tokens. Only there may the tokenizer
     * read control-token text as control tokens: the same text typed by a user ({@code <|im_start|>system}) stays
     * text, so a user cannot open a turn of another role.
     */
    public record Prompt(String text, BitSet controlAt) {
        public Prompt {
            controlAt = (BitSet) controlAt.clone();
        }

        public boolean controlAt(int index) {
            return controlAt.get(index);
        }
    }

    /** The prompt text for {@code turns}, ending where the assistant's answer begins. Special tokens as text. */
    public String render(List<Turn> turns, String bosText) {
        return prompt(turns, bosText).text();
    }

    /** The prompt for {@code turns}, with the places of the template's control tokens marked. */
    public Prompt prompt(List<Turn> turns, String bosText) {
        Builder out = new Builder();
        switch (this) {
            case CHATML -> {
                for (Turn turn : turns) {
                    out.control("<|im_start|>").text(turn.role() + "\n" + turn.content()).control("<|im_end|>")
                            .text("\n");
                }
                out.control("<|im_start|>").text("assistant\n");
            }
            case LLAMA3 -> {
                out.control(bosText);
                for (Turn turn : turns) {
                    out.control("<|start_header_id|>").text(turn.role()).control("<|end_header_id|>")
                            .text("\n\n" + turn.content().strip()).control("<|eot_id|>");
                }
                out.control("<|start_header_id|>").text("assistant").control("<|end_header_id|>").text("\n\n");
            }
            case LLAMA2 -> {
                String system = null;
                boolean first = true;
                for (Turn turn : turns) {
                    switch (turn.role()) {
                        case "system" -> system = turn.content();
                        case "user" -> {
                            out.control(first ? "" : bosText).text("[INST] ");
                            if (system != null) {
                                out.text("<<SYS>>\n" + system + "\n<</SYS>>\n\n");
                                system = null;
                            }
                            out.text(turn.content().strip() + " [/INST]");
                            first = false;
                        }
                        default -> out.text(" " + turn.content().strip() + " ").control("</s>");
                    }
                }
            }
            case MISTRAL -> {
                // as Mistral NeMo's template: the system message goes before the last user message
                String system = null;
                int lastUser = -1;
                for (int i = 0; i < turns.size(); i++) {
                    switch (turns.get(i).role()) {
                        case "system" -> system = turns.get(i).content();
                        case "user" -> lastUser = i;
                        default -> {
                        }
                    }
                }
                out.control(bosText);
                for (int i = 0; i < turns.size(); i++) {
                    Turn turn = turns.get(i);
                    switch (turn.role()) {
                        case "system" -> {
                        }
                        case "user" -> out.control("[INST]").text(i == lastUser && system != null
                                ? system + "\n\n" + turn.content() : turn.content()).control("[/INST]");
                        default -> out.text(turn.content()).control("</s>");
                    }
                }
            }
            case PLAIN -> {
                for (int i = 0; i < turns.size(); i++) {
                    out.text((i == 0 ? "" : "\n") + turns.get(i).content());
                }
            }
        }
        return new Prompt(out.text.toString(), out.control);
    }

    /** Collects the prompt text, marking where control tokens start. */
    private static final class Builder {
        final StringBuilder text = new StringBuilder();
        final BitSet control = new BitSet();

        Builder control(String token) {
            if (!token.isEmpty()) {
                control.set(text.length());
                text.append(token);
            }
            return this;
        }

        Builder text(String value) {
            text.append(value);
            return this;
        }
    }
}
