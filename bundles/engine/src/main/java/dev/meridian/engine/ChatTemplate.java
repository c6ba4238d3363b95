package dev.meridian.engine;

import java.util.List;

/**
 * The chat formats the engine knows, recognised from a model's {@code tokenizer.chat_template}: ChatML (Qwen),
 * Llama 3 and Llama 2. A template the engine does not recognise is reported ({@link #recognise} throws), never
 * guessed; a model without a template takes the plain text of the conversation ({@link #PLAIN}).
 */
public enum ChatTemplate {
    CHATML, LLAMA3, LLAMA2, PLAIN;

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
            return LLAMA2;
        }
        throw new EngineException("the model's chat template is not one the engine knows (ChatML, Llama 3, "
                + "Llama 2); set the chat template explicitly. It begins: "
                + template.substring(0, Math.min(80, template.length())).replace("\n", "\\n"));
    }

    /** Parses a configured name ({@code chatml}, {@code llama3}, {@code llama2}, {@code plain}). */
    public static ChatTemplate named(String name) {
        try {
            return valueOf(name.strip().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new EngineException("chat template '" + name + "' is not one of chatml, llama3, llama2, plain");
        }
    }

    /** The prompt text for {@code turns}, ending where the assistant's answer begins. Special tokens as text. */
    public String render(List<Turn> turns, String bosText) {
        StringBuilder out = new StringBuilder();
        switch (this) {
            case CHATML -> {
                for (Turn turn : turns) {
                    out.append("<|im_start|>").append(turn.role()).append('\n').append(turn.content())
                            .append("<|im_end|>\n");
                }
                out.append("<|im_start|>assistant\n");
            }
            case LLAMA3 -> {
                out.append(bosText);
                for (Turn turn : turns) {
                    out.append("<|start_header_id|>").append(turn.role()).append("<|end_header_id|>\n\n")
                            .append(turn.content().strip()).append("<|eot_id|>");
                }
                out.append("<|start_header_id|>assistant<|end_header_id|>\n\n");
            }
            case LLAMA2 -> {
                String system = null;
                boolean first = true;
                for (Turn turn : turns) {
                    switch (turn.role()) {
                        case "system" -> system = turn.content();
                        case "user" -> {
                            out.append(first ? "" : bosText).append("[INST] ");
                            if (system != null) {
                                out.append("<<SYS>>\n").append(system).append("\n<</SYS>>\n\n");
                                system = null;
                            }
                            out.append(turn.content().strip()).append(" [/INST]");
                            first = false;
                        }
                        default -> out.append(' ').append(turn.content().strip()).append(" </s>");
                    }
                }
            }
            case PLAIN -> {
                for (int i = 0; i < turns.size(); i++) {
                    out.append(i == 0 ? "" : "\n").append(turns.get(i).content());
                }
            }
        }
        return out.toString();
    }
}
