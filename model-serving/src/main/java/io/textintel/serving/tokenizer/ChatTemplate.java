package io.textintel.serving.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Builds an instruction model's prompt from chat messages exactly as its Hugging Face chat
 * template does, for the formats the decoder serves: Llama 3 ({@code <|start_header_id|>} headers,
 * {@code <|eot_id|>}), Llama 3.1 (the same with its knowledge-date system block) and ChatML as
 * Qwen2 and Qwen2.5 use it ({@code <|im_start|>}, {@code <|im_end|>}, a default system prompt).
 *
 * <p>Written in Java for these formats, no Jinja engine: the format is recognised from the
 * {@code chat_template} in {@code tokenizer_config.json}, or from {@code model_type} when there is
 * none. Tool calls are not supported. Immutable.
 */
public final class ChatTemplate {

    /** The prompt formats. */
    public enum Format {
        LLAMA_3,
        LLAMA_3_1,
        CHATML
    }

    /**
     * One chat message.
     *
     * @param role {@code system}, {@code user} or {@code assistant}
     * @param content the text
     */
    public record Message(String role, String content) {
        public Message {
            if (role == null || role.isBlank()) {
                throw new IllegalArgumentException("chat message role is '" + role
                        + "', expected system, user or assistant");
            }
            Objects.requireNonNull(content, "content");
        }

        public static Message system(String content) {
            return new Message("system", content);
        }

        public static Message user(String content) {
            return new Message("user", content);
        }

        public static Message assistant(String content) {
            return new Message("assistant", content);
        }
    }

    /** Meta-Llama-3-8B-Instruct's {@code chat_template}. */
    public static final String LLAMA_3_SOURCE = "{% set loop_messages = messages %}{% for message in loop_messages %}"
            + "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content']"
            + " | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}"
            + "{{ content }}{% endfor %}{% if add_generation_prompt %}"
            + "{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}";

    /** Qwen2-Instruct's {@code chat_template}. */
    public static final String QWEN2_SOURCE = "{% for message in messages %}{% if loop.first and messages[0]['role']"
            + " != 'system' %}{{ '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n' }}{% endif %}"
            + "{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}"
            + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

    /** The default system prompt of Qwen2-Instruct's template. */
    public static final String QWEN2_DEFAULT_SYSTEM = "You are a helpful assistant.";

    /** The default system prompt of Qwen2.5-Instruct's template. */
    public static final String QWEN2_5_DEFAULT_SYSTEM =
            "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.";

    /** The date Llama 3.1's template writes when the caller passes none. */
    static final String LLAMA_3_1_DEFAULT_DATE = "26 Jul 2024";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Format format;
    private final String bosToken; // Llama formats; "" when the tokenizer has none
    private final String defaultSystemPrompt; // ChatML; null for none

    private ChatTemplate(Format format, String bosToken, String defaultSystemPrompt) {
        this.format = format;
        this.bosToken = bosToken == null ? "" : bosToken;
        this.defaultSystemPrompt = defaultSystemPrompt;
    }

    /** Llama 3 Instruct, starting with {@code bosToken}. */
    public static ChatTemplate llama3(String bosToken) {
        return new ChatTemplate(Format.LLAMA_3, bosToken, null);
    }

    /** Llama 3.1 Instruct (no tools), starting with {@code bosToken}. */
    public static ChatTemplate llama31(String bosToken) {
        return new ChatTemplate(Format.LLAMA_3_1, bosToken, null);
    }

    /** ChatML; {@code defaultSystemPrompt} is written when the first message is not a system message (null: none). */
    public static ChatTemplate chatMl(String defaultSystemPrompt) {
        return new ChatTemplate(Format.CHATML, "", defaultSystemPrompt);
    }

    /**
     * The template of a model directory: {@code chat_template} and {@code bos_token} from
     * {@code tokenizer_config.json}, else by {@code model_type} from {@code config.json}
     * ({@code llama}: Llama 3, {@code qwen2}: Qwen2's ChatML).
     *
     * @throws IOException if a file cannot be read
     * @throws IllegalArgumentException if the template is of a format not supported, saying which are
     */
    public static ChatTemplate forModel(Path modelDir) throws IOException {
        Path tokenizerConfig = modelDir.resolve("tokenizer_config.json");
        String source = null;
        String bos = null;
        if (Files.isRegularFile(tokenizerConfig)) {
            JsonNode root = JSON.readTree(tokenizerConfig.toFile());
            source = templateText(root.path("chat_template"));
            JsonNode bosNode = root.path("bos_token");
            bos = bosNode.isTextual() ? bosNode.asText() : bosNode.path("content").asText(null);
        }
        String modelType = null;
        Path config = modelDir.resolve("config.json");
        if (Files.isRegularFile(config)) {
            modelType = JSON.readTree(config.toFile()).path("model_type").asText(null);
        }
        return fromSource(source, bos, modelType);
    }

    /**
     * Recognises a Jinja chat template's format; with no template, falls back on {@code modelType}.
     *
     * @param source the {@code chat_template} text, or null
     * @param bosToken the tokenizer's {@code bos_token}, or null
     * @param modelType {@code model_type}, or null
     */
    public static ChatTemplate fromSource(String source, String bosToken, String modelType) {
        if (source != null) {
            if (source.contains("<|start_header_id|>")) {
                return source.contains("Cutting Knowledge Date") ? llama31(bosToken) : llama3(bosToken);
            }
            if (source.contains("<|im_start|>")) {
                String system = source.contains(QWEN2_5_DEFAULT_SYSTEM) ? QWEN2_5_DEFAULT_SYSTEM
                        : source.contains(QWEN2_DEFAULT_SYSTEM) ? QWEN2_DEFAULT_SYSTEM : null;
                return chatMl(system);
            }
            throw new IllegalArgumentException("chat_template of " + source.length() + " characters starting '"
                    + source.substring(0, Math.min(60, source.length())) + "' is not a supported format, expected "
                    + "Llama 3 (<|start_header_id|>) or ChatML (<|im_start|>)");
        }
        if ("llama".equals(modelType)) {
            return llama3(bosToken == null ? "<|begin_of_text|>" : bosToken);
        }
        if ("qwen2".equals(modelType)) {
            return chatMl(QWEN2_DEFAULT_SYSTEM);
        }
        throw new IllegalArgumentException("the model has no chat_template and model_type " + modelType
                + ", expected a chat_template or model_type llama or qwen2");
    }

    /** tokenizer_config's chat_template: a string, or a list of named templates whose "default" is used. */
    private static String templateText(JsonNode node) {
        if (node.isTextual()) {
            return node.asText();
        }
        if (node.isArray()) {
            for (JsonNode named : node) {
                if ("default".equals(named.path("name").asText())) {
                    return named.path("template").asText(null);
                }
            }
        }
        return null;
    }

    public Format format() {
        return format;
    }

    /**
     * The prompt text for {@code messages}; with {@code addGenerationPrompt}, followed by the
     * header that opens the assistant's reply.
     *
     * @throws IllegalArgumentException if there are no messages
     */
    public String render(List<Message> messages, boolean addGenerationPrompt) {
        if (messages == null || messages.isEmpty()) {
            throw new IllegalArgumentException("messages are empty, expected at least one chat message");
        }
        return switch (format) {
            case LLAMA_3 -> renderLlama3(messages, addGenerationPrompt);
            case LLAMA_3_1 -> renderLlama31(messages, addGenerationPrompt);
            case CHATML -> renderChatMl(messages, addGenerationPrompt);
        };
    }

    private String renderLlama3(List<Message> messages, boolean addGenerationPrompt) {
        StringBuilder out = new StringBuilder(bosToken);
        for (Message message : messages) {
            llamaTurn(out, message.role(), message.content().strip());
        }
        if (addGenerationPrompt) {
            out.append("<|start_header_id|>assistant<|end_header_id|>\n\n");
        }
        return out.toString();
    }

    private String renderLlama31(List<Message> messages, boolean addGenerationPrompt) {
        StringBuilder out = new StringBuilder(bosToken);
        boolean leadingSystem = messages.get(0).role().equals("system");
        String system = leadingSystem ? messages.get(0).content().strip() : "";
        out.append("<|start_header_id|>system<|end_header_id|>\n\n")
                .append("Cutting Knowledge Date: December 2023\n")
                .append("Today Date: ").append(LLAMA_3_1_DEFAULT_DATE).append("\n\n")
                .append(system)
                .append("<|eot_id|>");
        for (Message message : messages.subList(leadingSystem ? 1 : 0, messages.size())) {
            llamaTurn(out, message.role(), message.content().strip());
        }
        if (addGenerationPrompt) {
            out.append("<|start_header_id|>assistant<|end_header_id|>\n\n");
        }
        return out.toString();
    }

    private static void llamaTurn(StringBuilder out, String role, String content) {
        out.append("<|start_header_id|>").append(role).append("<|end_header_id|>\n\n").append(content)
                .append("<|eot_id|>");
    }

    private String renderChatMl(List<Message> messages, boolean addGenerationPrompt) {
        StringBuilder out = new StringBuilder();
        if (defaultSystemPrompt != null && !messages.get(0).role().equals("system")) {
            out.append("<|im_start|>system\n").append(defaultSystemPrompt).append("<|im_end|>\n");
        }
        for (Message message : messages) {
            out.append("<|im_start|>").append(message.role()).append('\n').append(message.content())
                    .append("<|im_end|>\n");
        }
        if (addGenerationPrompt) {
            out.append("<|im_start|>assistant\n");
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return "ChatTemplate[" + format + (defaultSystemPrompt == null ? "" : ", default system prompt") + "]";
    }
}
