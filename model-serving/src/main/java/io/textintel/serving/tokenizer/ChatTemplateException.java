package io.textintel.serving.tokenizer;

/**
 * A chat template that is missing, does not parse or render, or rejects a conversation with its
 * own {@code raise_exception}. The message names the template's origin (model directory and file)
 * and, where Jinjava reports one, the template line.
 */
public final class ChatTemplateException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /** What went wrong. */
    public enum Kind {
        /** The model directory has no chat template. */
        MISSING,
        /** The template does not parse, or fails while rendering. */
        INVALID,
        /** The template called {@code raise_exception}: it does not accept the conversation. */
        RAISED
    }

    private final Kind kind;
    private final int line;

    ChatTemplateException(Kind kind, int line, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.line = line;
    }

    public Kind kind() {
        return kind;
    }

    /** The template line the error was reported at, 1-based; 0 when not known. */
    public int line() {
        return line;
    }
}
