package io.textintel.serving.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An instruction model's own chat template, the Jinja {@code chat_template} of its tokenizer
 * files, rendered with Jinjava the way transformers' {@code apply_chat_template} renders it:
 * {@code messages} as role/content mappings, {@code add_generation_prompt}, the special tokens of
 * {@code tokenizer_config.json} ({@code bos_token}, {@code eos_token}, ...), {@code tools} and
 * {@code documents} none, {@code raise_exception}, {@code strftime_now} and {@code tojson}, with
 * {@code trim_blocks}, {@code lstrip_blocks} and the Python string methods templates call.
 *
 * <p>The template is checked when it is loaded: one that does not parse, names a filter or test
 * Jinjava does not have, or does not render a user message, fails then with a
 * {@link ChatTemplateException} naming the file and line. A model without a template is refused, as
 * transformers refuses it: there are no built-in formats. The {@linkplain #endOfTurnMarker() end of
 * turn} is what the template writes after an assistant reply. Tool calls are not passed. Immutable
 * and thread-safe.
 */
public final class ChatTemplate {

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

    /** The single-token special tokens of a tokenizer config that transformers passes to the template. */
    static final List<String> SPECIAL_TOKEN_NAMES = List.of("bos_token", "eos_token", "unk_token", "sep_token",
            "pad_token", "cls_token", "mask_token");

    /** The reply of the conversation rendered at load time to find the end-of-turn marker. */
    private static final String PROBE_REPLY = "ProbeReply";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String source;
    private final String jinjaSource; // as Jinja's lexer reads it
    private final String origin; // the file, for messages
    private final Map<String, Object> variables; // special tokens and globals, the same for every render
    private final Jinjava jinjava;
    private final String endOfTurnMarker;

    private ChatTemplate(String source, String origin, Map<String, Object> variables, Clock clock) {
        this.source = source;
        this.jinjaSource = JinjaSource.prepare(source);
        this.origin = origin;
        this.variables = variables;
        this.jinjava = ChatTemplateEnvironment.create(clock);
        checkFiltersAndTests();
        render(List.of(Message.user("Hello")), true, "does not render a user message");
        this.endOfTurnMarker = findEndOfTurnMarker();
    }

    /**
     * The template of a model directory: {@code chat_template.jinja} when there is one, else the
     * {@code chat_template} of {@code tokenizer_config.json} (a string, or a list of named templates
     * whose {@code default} is used); the special tokens from {@code special_tokens_map.json}, else
     * {@code tokenizer_config.json}, as transformers reads them.
     *
     * @throws IOException if a file cannot be read
     * @throws ChatTemplateException if there is no template, or it does not parse or render
     */
    public static ChatTemplate forModel(Path modelDir) throws IOException {
        JsonNode config = readJson(modelDir.resolve("tokenizer_config.json"));
        JsonNode tokensMap = readJson(modelDir.resolve("special_tokens_map.json"));
        Map<String, Object> tokens = new LinkedHashMap<>();
        for (String name : SPECIAL_TOKEN_NAMES) {
            String token = tokenContent(tokensMap.path(name)); // as transformers, the map wins over the config
            token = token != null ? token : tokenContent(config.path(name));
            if (token != null) {
                tokens.put(name, token);
            }
        }
        JsonNode additional = tokensMap.has("additional_special_tokens") ? tokensMap.path("additional_special_tokens")
                : config.path("additional_special_tokens");
        if (additional.isArray()) {
            List<String> list = new ArrayList<>();
            additional.forEach(token -> list.add(tokenContent(token)));
            tokens.put("additional_special_tokens", list);
        }
        Path jinjaFile = modelDir.resolve("chat_template.jinja");
        if (Files.isRegularFile(jinjaFile)) {
            return fromSource(Files.readString(jinjaFile, StandardCharsets.UTF_8), tokens, jinjaFile.toString(),
                    Clock.systemDefaultZone());
        }
        String origin = modelDir.resolve("tokenizer_config.json") + " chat_template";
        String source = templateText(config.path("chat_template"), origin);
        if (source == null) {
            throw new ChatTemplateException(ChatTemplateException.Kind.MISSING, 0, "model " + modelDir
                    + " has no chat template: no chat_template.jinja and no chat_template in tokenizer_config.json,"
                    + " expected the tokenizer files of an instruction-tuned model", null);
        }
        return fromSource(source, tokens, origin, Clock.systemDefaultZone());
    }

    /**
     * A template from its Jinja source.
     *
     * @param specialTokens template variables such as {@code bos_token}: strings, or lists of strings
     * @param origin where the template comes from, for error messages
     * @throws ChatTemplateException if the template does not parse or render
     */
    public static ChatTemplate fromSource(String source, Map<String, ?> specialTokens, String origin) {
        return fromSource(source, specialTokens, origin, Clock.systemDefaultZone());
    }

    /** {@link #fromSource(String, Map, String)} whose {@code strftime_now} reads {@code clock}. */
    static ChatTemplate fromSource(String source, Map<String, ?> specialTokens, String origin, Clock clock) {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(origin, "origin");
        Map<String, Object> variables = new HashMap<>(specialTokens);
        for (String function : ChatTemplateEnvironment.FUNCTION_NAMES) {
            variables.put(function, "<function " + function + ">");
        }
        variables.put("tools", null);
        variables.put("documents", null);
        return new ChatTemplate(source, origin, variables, clock);
    }

    /** tokenizer_config's chat_template: a string, or a list of named templates whose "default" is used. */
    private static String templateText(JsonNode node, String origin) {
        if (node.isTextual()) {
            return node.asText();
        }
        if (!node.isArray()) {
            return null;
        }
        List<String> names = new ArrayList<>();
        for (JsonNode named : node) {
            if ("default".equals(named.path("name").asText())) {
                return named.path("template").asText(null);
            }
            names.add(named.path("name").asText());
        }
        throw new ChatTemplateException(ChatTemplateException.Kind.MISSING, 0, origin + " lists templates " + names
                + ", expected one named default", null);
    }

    private static JsonNode readJson(Path file) throws IOException {
        return Files.isRegularFile(file) ? JSON.readTree(file.toFile()) : JSON.missingNode();
    }

    /** A special token written as a string or as an AddedToken object ({@code {"content": ...}}); null if none. */
    private static String tokenContent(JsonNode token) {
        return token.isTextual() ? token.asText() : token.path("content").asText(null);
    }

    /**
     * The prompt text for {@code messages}; with {@code addGenerationPrompt}, followed by what opens
     * the assistant's reply.
     *
     * @throws IllegalArgumentException if there are no messages
     * @throws ChatTemplateException if the template rejects the conversation ({@code raise_exception},
     *     e.g. roles that do not alternate) or fails to render it
     */
    public String render(List<Message> messages, boolean addGenerationPrompt) {
        if (messages == null || messages.isEmpty()) {
            throw new IllegalArgumentException("messages are empty, expected at least one chat message");
        }
        return render(messages, addGenerationPrompt, "fails on a conversation of " + messages.size() + " messages");
    }

    private String render(List<Message> messages, boolean addGenerationPrompt, String what) {
        List<Map<String, Object>> maps = new ArrayList<>(messages.size());
        for (Message message : messages) {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("role", message.role());
            map.put("content", message.content());
            maps.add(map);
        }
        Map<String, Object> bindings = new HashMap<>(variables);
        bindings.put("messages", maps);
        bindings.put("add_generation_prompt", addGenerationPrompt);
        RenderResult result;
        try {
            result = jinjava.renderForResult(jinjaSource, bindings);
        } catch (RuntimeException e) {
            throw new ChatTemplateException(ChatTemplateException.Kind.INVALID, 0,
                    "chat template " + origin + " " + what + ": " + e.getMessage(), e);
        }
        for (TemplateError error : result.getErrors()) {
            if (error.getSeverity() == TemplateError.ErrorType.FATAL) {
                throw failure(error, what, result.getErrors().size() - 1);
            }
        }
        return result.getOutput();
    }

    private ChatTemplateException failure(TemplateError error, String what, int others) {
        String more = others == 0 ? "" : " (and " + others + " more errors)";
        for (Throwable cause = error.getException(); cause != null; cause = cause.getCause()) {
            if (cause instanceof ChatTemplateEnvironment.TemplateRaised raised) {
                return new ChatTemplateException(ChatTemplateException.Kind.RAISED, error.getLineno(), "chat template "
                        + origin + " raised an exception at line " + error.getLineno() + ": " + raised.getMessage(),
                        raised);
            }
        }
        return new ChatTemplateException(ChatTemplateException.Kind.INVALID, error.getLineno(), "chat template "
                + origin + " " + what
                + ": line " + error.getLineno() + ": " + error.getMessage() + more, error.getException());
    }

    /** Jinja refuses a template that names a filter or test it does not have; Jinjava would render nothing. */
    private void checkFiltersAndTests() {
        Context globals = jinjava.getGlobalContext();
        for (JinjaSource.NamedUse use : JinjaSource.filtersAndTests(jinjaSource)) {
            boolean known = use.filter() ? globals.getFilter(use.name()) != null
                    : globals.getExpTest(use.name()) != null;
            if (!known) {
                throw new ChatTemplateException(ChatTemplateException.Kind.INVALID, use.line(), "chat template "
                        + origin + " line " + use.line() + ": no " + (use.filter() ? "filter" : "test") + " named '"
                        + use.name() + "', expected one of Jinja's that Jinjava has", null);
            }
        }
    }

    /** What the template writes right after an assistant's reply, up to the first whitespace. */
    private String findEndOfTurnMarker() {
        String rendered = render(List.of(Message.user("Hello"), Message.assistant(PROBE_REPLY)), false,
                "does not render a user message and an assistant reply");
        int at = rendered.lastIndexOf(PROBE_REPLY);
        int end = at < 0 ? -1 : at + PROBE_REPLY.length();
        while (end >= 0 && end < rendered.length() && !PythonStringMethods.isSpace(rendered.codePointAt(end))) {
            end += Character.charCount(rendered.codePointAt(end));
        }
        if (at < 0 || end == at + PROBE_REPLY.length()) {
            throw new ChatTemplateException(ChatTemplateException.Kind.INVALID, 0, "chat template " + origin
                    + " writes no end-of-turn"
                    + " marker after an assistant reply (rendered '" + rendered + "'), expected one such as"
                    + " <|eot_id|> or <|im_end|>", null);
        }
        return rendered.substring(at + PROBE_REPLY.length(), end);
    }

    /**
     * The text the template closes an assistant's turn with ({@code <|eot_id|>}, {@code <|im_end|>},
     * {@code </s>}, {@code <end_of_turn>}): where a reply stops.
     */
    public String endOfTurnMarker() {
        return endOfTurnMarker;
    }

    /** The template's Jinja source. */
    public String source() {
        return source;
    }

    @Override
    public String toString() {
        return "ChatTemplate[" + origin + ", end of turn " + endOfTurnMarker + "]";
    }
}
