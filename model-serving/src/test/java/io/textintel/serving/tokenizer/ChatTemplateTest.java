package io.textintel.serving.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.textintel.serving.tokenizer.ChatTemplate.Message;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real chat templates of Llama 3, Llama 3.1, Qwen2, Qwen2.5, Mistral v0.3 and Gemma 2 (test
 * resources {@code chat-templates/}); expected prompts are written out from each template's
 * semantics, as transformers' apply_chat_template renders them.
 */
class ChatTemplateTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final List<Message> CONVERSATION = List.of(
            Message.system("You summarise news."),
            Message.user("  Summarise: rates rose.\n"),
            Message.assistant("Rates rose."),
            Message.user("Shorter?"));

    private static final List<Message> SYSTEM_USER_ASSISTANT = List.of(
            Message.system("Be brief."), Message.user("What rose?"), Message.assistant(" Rates. "));

    private static final Map<String, String> LLAMA_TOKENS = Map.of("bos_token", "<|begin_of_text|>",
            "eos_token", "<|eot_id|>");
    private static final Map<String, String> QWEN_TOKENS = Map.of("eos_token", "<|im_end|>",
            "pad_token", "<|endoftext|>");
    private static final Map<String, String> MISTRAL_TOKENS = Map.of("bos_token", "<s>", "eos_token", "</s>",
            "unk_token", "<unk>");
    private static final Map<String, String> GEMMA_TOKENS = Map.of("bos_token", "<bos>", "eos_token", "<eos>",
            "pad_token", "<pad>");

    static String resource(String name) {
        try (InputStream in = ChatTemplateTest.class.getResourceAsStream("chat-templates/" + name)) {
            assertThat(in).as("test resource chat-templates/%s", name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ChatTemplate template(String name, Map<String, String> tokens) {
        return ChatTemplate.fromSource(resource(name), tokens, name);
    }

    @Test
    void llama3TrimsContentAndOpensTheAssistantHeader() {
        ChatTemplate template = template("Meta-Llama-3-8B-Instruct.jinja", LLAMA_TOKENS);
        assertThat(template.render(CONVERSATION, true)).isEqualTo("<|begin_of_text|>"
                + "<|start_header_id|>system<|end_header_id|>\n\nYou summarise news.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nSummarise: rates rose.<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\nRates rose.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nShorter?<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n");
        assertThat(template.render(List.of(Message.user("Hi")), false))
                .isEqualTo("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>");
        String conversation = "<|begin_of_text|>"
                + "<|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nWhat rose?<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\nRates.<|eot_id|>";
        assertThat(template.render(SYSTEM_USER_ASSISTANT, false)).isEqualTo(conversation);
        assertThat(template.render(SYSTEM_USER_ASSISTANT, true))
                .isEqualTo(conversation + "<|start_header_id|>assistant<|end_header_id|>\n\n");
        assertThat(template.endOfTurnMarker()).isEqualTo("<|eot_id|>");
    }

    @Test
    void llama31AlwaysWritesTheKnowledgeDateSystemBlock() {
        ChatTemplate template = template("Llama-3.1-8B-Instruct.jinja", LLAMA_TOKENS);
        String knowledge = "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n";
        assertThat(template.render(List.of(Message.user("Hi")), true)).isEqualTo("<|begin_of_text|>"
                + "<|start_header_id|>system<|end_header_id|>\n\n" + knowledge + "<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n");
        assertThat(template.render(List.of(Message.system(" Be brief. "), Message.user("Hi")), false))
                .isEqualTo("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
                        + knowledge + "Be brief.<|eot_id|>"
                        + "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>");
        String conversation = "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n" + knowledge
                + "Be brief.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nWhat rose?<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\nRates.<|eot_id|>";
        assertThat(template.render(SYSTEM_USER_ASSISTANT, false)).isEqualTo(conversation);
        assertThat(template.render(SYSTEM_USER_ASSISTANT, true))
                .isEqualTo(conversation + "<|start_header_id|>assistant<|end_header_id|>\n\n");
        assertThat(template.endOfTurnMarker()).isEqualTo("<|eot_id|>");
    }

    @Test
    void qwen2KeepsContentAsIsAndAddsItsDefaultSystemPrompt() {
        ChatTemplate template = template("Qwen2-7B-Instruct.jinja", QWEN_TOKENS);
        assertThat(template.render(CONVERSATION, true)).isEqualTo(
                "<|im_start|>system\nYou summarise news.<|im_end|>\n"
                        + "<|im_start|>user\n  Summarise: rates rose.\n<|im_end|>\n"
                        + "<|im_start|>assistant\nRates rose.<|im_end|>\n"
                        + "<|im_start|>user\nShorter?<|im_end|>\n"
                        + "<|im_start|>assistant\n");
        assertThat(template.render(List.of(Message.user("Hi")), false)).isEqualTo(
                "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n");
        assertThat(template.endOfTurnMarker()).isEqualTo("<|im_end|>");
    }

    @Test
    void qwen25TemplateBringsItsOwnDefaultSystemPrompt() {
        ChatTemplate template = template("Qwen2.5-7B-Instruct.jinja", QWEN_TOKENS);
        assertThat(template.render(List.of(Message.user("Hi")), true)).isEqualTo(
                "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
                        + "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
        assertThat(template.render(CONVERSATION, true)).isEqualTo(
                "<|im_start|>system\nYou summarise news.<|im_end|>\n"
                        + "<|im_start|>user\n  Summarise: rates rose.\n<|im_end|>\n"
                        + "<|im_start|>assistant\nRates rose.<|im_end|>\n"
                        + "<|im_start|>user\nShorter?<|im_end|>\n"
                        + "<|im_start|>assistant\n");
        String conversation = "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nWhat rose?<|im_end|>\n"
                + "<|im_start|>assistant\n Rates. <|im_end|>\n";
        assertThat(template.render(SYSTEM_USER_ASSISTANT, false)).isEqualTo(conversation);
        assertThat(template.render(SYSTEM_USER_ASSISTANT, true)).isEqualTo(conversation + "<|im_start|>assistant\n");
        assertThat(template.endOfTurnMarker()).isEqualTo("<|im_end|>");
    }

    @Test
    void mistralPutsTheSystemPromptBeforeTheLastUserMessageAndClosesRepliesWithEos() {
        ChatTemplate template = template("Mistral-7B-Instruct-v0.3.jinja", MISTRAL_TOKENS);
        String prompt = "<s>[INST]   Summarise: rates rose.\n[/INST] Rates rose.</s>"
                + "[INST] You summarise news.\n\nShorter?[/INST]";
        assertThat(template.render(CONVERSATION, true)).isEqualTo(prompt);
        assertThat(template.render(CONVERSATION, false)).as("the template has no generation prompt").isEqualTo(prompt);
        assertThat(template.render(SYSTEM_USER_ASSISTANT, false))
                .as("the system message goes with the last message only if that is the user's")
                .isEqualTo("<s>[INST] What rose?[/INST] Rates.</s>");
        assertThat(template.render(SYSTEM_USER_ASSISTANT.subList(0, 2), true))
                .isEqualTo("<s>[INST] Be brief.\n\nWhat rose?[/INST]");
        assertThat(template.endOfTurnMarker()).isEqualTo("</s>");
    }

    @Test
    void mistralRaisesOnRolesThatDoNotAlternate() {
        ChatTemplate template = template("Mistral-7B-Instruct-v0.3.jinja", MISTRAL_TOKENS);
        assertThatThrownBy(() -> template.render(List.of(Message.user("a"), Message.user("b")), true))
                .isInstanceOfSatisfying(ChatTemplateException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ChatTemplateException.Kind.RAISED);
                    assertThat(e.line()).isEqualTo(18);
                })
                .hasMessage("chat template Mistral-7B-Instruct-v0.3.jinja raised an exception at line 18: After the"
                        + " optional system message, conversation roles must alternate"
                        + " user/assistant/user/assistant/...");
    }

    @Test
    void gemma2CallsTheAssistantModelAndRejectsSystemMessages() {
        ChatTemplate template = template("gemma-2-9b-it.jinja", GEMMA_TOKENS);
        List<Message> conversation = CONVERSATION.subList(1, 4);
        String prompt = "<bos><start_of_turn>user\nSummarise: rates rose.<end_of_turn>\n"
                + "<start_of_turn>model\nRates rose.<end_of_turn>\n"
                + "<start_of_turn>user\nShorter?<end_of_turn>\n";
        assertThat(template.render(conversation, false)).isEqualTo(prompt);
        assertThat(template.render(conversation, true)).isEqualTo(prompt + "<start_of_turn>model\n");
        assertThat(template.endOfTurnMarker()).isEqualTo("<end_of_turn>");
        assertThatThrownBy(() -> template.render(SYSTEM_USER_ASSISTANT, true))
                .isInstanceOf(ChatTemplateException.class)
                .hasMessageEndingWith("raised an exception at line 1: System role not supported");
    }

    @Test
    void aTemplateThatDoesNotParseFailsWhenLoadedNamingItsLine() {
        String broken = "{{ bos_token }}\n{% for message in messages %}\n{{ message['content'] + }}\n{% endfor %}";
        assertThatThrownBy(() -> ChatTemplate.fromSource(broken, LLAMA_TOKENS, "models/x/tokenizer_config.json"))
                .isInstanceOfSatisfying(ChatTemplateException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ChatTemplateException.Kind.INVALID);
                    assertThat(e.line()).isEqualTo(3);
                })
                .hasMessageStartingWith("chat template models/x/tokenizer_config.json does not render a user message:"
                        + " line 3: ")
                .hasMessageContaining("syntax error");
        assertThatThrownBy(() -> ChatTemplate.fromSource("{% for m in messages %}\n{{ m.content }}", LLAMA_TOKENS,
                "unclosed.jinja"))
                .hasMessageStartingWith("chat template unclosed.jinja does not render a user message: line 1: ")
                .hasMessageContaining("Missing end tag: endfor");
        assertThatThrownBy(() -> ChatTemplate.fromSource("{% include 'other.jinja' %}", LLAMA_TOKENS, "inc.jinja"))
                .isInstanceOf(ChatTemplateException.class)
                .hasMessageContaining("chat templates cannot read other files, but this one asks for 'other.jinja'");
        assertThatThrownBy(() -> ChatTemplate.fromSource("{{ bos_token }}\n{{ messages | nosuchfilter }}",
                LLAMA_TOKENS, "filter.jinja"))
                .isInstanceOfSatisfying(ChatTemplateException.class, e -> assertThat(e.line()).isEqualTo(2))
                .hasMessage("chat template filter.jinja line 2: no filter named 'nosuchfilter', expected one of Jinja's"
                        + " that Jinjava has");
        assertThatThrownBy(() -> ChatTemplate.fromSource("{% if messages is not nosuchtest %}x{% endif %}",
                LLAMA_TOKENS, "test.jinja"))
                .hasMessageContaining("line 1: no test named 'nosuchtest'");
    }

    @Test
    void blocksTrimTheirNewlineAndLeadingIndentLikeTransformersJinja() {
        String source = "x\n  {% if true %}\n  a{# note #}\nb\n  {% endif %}\n"
                + "{% for m in messages %}\n    {{ m.content }}<e>{% raw %}\n{{ kept }}{% endraw %}\n|\n{% endfor %}\n";
        ChatTemplate template = ChatTemplate.fromSource(source, Map.of(), "blocks.jinja");
        assertThat(template.render(List.of(Message.user("u")), false)).isEqualTo("x\n  ab\n    u<e>\n{{ kept }}|\n");
    }

    @Test
    void aTemplateWithoutAnEndOfTurnIsRefusedWhenLoaded() {
        assertThatThrownBy(() -> ChatTemplate.fromSource("{% for m in messages %}{{ m.content }} {% endfor %}",
                Map.of(), "plain.jinja"))
                .isInstanceOf(ChatTemplateException.class)
                .hasMessageContaining("chat template plain.jinja writes no end-of-turn marker after an assistant"
                        + " reply");
    }

    @Test
    void strftimeNowFormatsTheClockLikePython() {
        Clock clock = Clock.fixed(Instant.parse("2026-03-05T08:09:10Z"), ZoneOffset.UTC);
        String llama32Date = "{%- if not date_string is defined %}\n    {%- if strftime_now is defined %}\n"
                + "        {%- set date_string = strftime_now(\"%d %b %Y\") %}\n    {%- else %}\n"
                + "        {%- set date_string = \"26 Jul 2024\" %}\n    {%- endif %}\n{%- endif %}\n"
                + "{{- date_string }}|{{ strftime_now('%-d %B %Y %H:%M:%S %a') }}"
                + "{% for m in messages %}|{{ m.content }}<|eot_id|>{% endfor %}";
        ChatTemplate template = ChatTemplate.fromSource(llama32Date, Map.of(), "date.jinja", clock);
        assertThat(template.render(List.of(Message.user("x")), true))
                .isEqualTo("05 Mar 2026|5 March 2026 08:09:10 Thu|x<|eot_id|>");
    }

    @Test
    void pythonStringMethodsNamespacesAndTojsonBehaveAsInTransformers() {
        String source = "{%- set ns = namespace(users=0) %}\n"
                + "{%- for m in messages %}\n"
                + "    {%- if m.role.startswith('us') %}{% set ns.users = ns.users + 1 %}{% endif %}\n"
                + "    {{- m.content.strip().split() | join('|') }};\n"
                + "    {{- m.content.split(',') | length }};\n"
                + "{%- endfor %}\n"
                + "{{- ns.users }};{{ messages[0] | tojson }};{{ {'a': [1, 2.5, none, true, 'é\"']} | tojson }}"
                + "{{- ' </s>' if messages[-1].content.endswith('c ') else ' x' }}\n";
        ChatTemplate template = ChatTemplate.fromSource(source, Map.of(), "python.jinja");
        assertThat(template.render(List.of(Message.user(" a b\u00a0c "), Message.assistant("x,y")), false))
                .isEqualTo("a|b|c;1;x,y;2;1;{\"role\": \"user\", \"content\": \" a b\u00a0c \"};"
                        + "{\"a\": [1, 2.5, null, true, \"é\\\"\"]} x");
    }

    @Test
    void reversedSlicesAndKeywordArgumentsWithOperatorsWorkAsInPython() {
        // Qwen3's way of finding the last user query, and tojson with a computed indent
        String source = "{%- set ns = namespace(multi_step_tool=true, last_query_index=messages|length - 1) %}\n"
                + "{%- for message in messages[::-1] %}\n"
                + "    {%- set index = (messages|length - 1) - loop.index0 %}\n"
                + "    {%- if ns.multi_step_tool and message.role == \"user\" %}\n"
                + "        {%- set ns.multi_step_tool = false %}\n"
                + "        {%- set ns.last_query_index = index %}\n"
                + "    {%- endif %}\n"
                + "{%- endfor %}\n"
                + "{{- ns.last_query_index }}|{{ messages[0] | tojson(indent=1 + 1) }}|"
                + "{% for m in messages %}{{ m.content }}<e>{% endfor %}";
        ChatTemplate template = ChatTemplate.fromSource(source, Map.of(), "qwen3-like.jinja");
        List<Message> conversation = List.of(Message.user("q1"), Message.assistant("a1"), Message.user("q2"),
                Message.assistant("a2"));
        assertThat(template.render(conversation, false))
                .isEqualTo("2|{\n  \"role\": \"user\",\n  \"content\": \"q1\"\n}|q1<e>a1<e>q2<e>a2<e>");
    }

    @Test
    void stringsIndexAndMappingsNestAndPrintAsInPython() {
        String source = "{{ messages[0].content[0] }}{{ messages[0].content[-1] }}[{{ messages[0].content[9] }}]|"
                + "{{ {'a': [1, 'x']} }}|{{ {'m': {'n': 1}} | tojson }}|"
                + "{% for m in messages %}{{ m.content }}<e>{% endfor %}";
        ChatTemplate template = ChatTemplate.fromSource(source, Map.of(), "index.jinja");
        assertThat(template.render(List.of(Message.user("hey")), false))
                .isEqualTo("hy[]|{'a': [1, 'x']}|{\"m\": {\"n\": 1}}|hey<e>");
    }

    @Test
    void itemsFilterPairsKeysWithValues() {
        String source = "{% for k, v in {'b': 1, 'a': 'x'} | items %}{{ k }}={{ v }};{% endfor %}"
                + "{% for m in messages %}{{ m.content }}<e>{% endfor %}";
        ChatTemplate template = ChatTemplate.fromSource(source, Map.of(), "items.jinja");
        assertThat(template.render(List.of(Message.user("u")), false)).isEqualTo("b=1;a=x;u<e>");
    }

    @Test
    void generationBlocksRenderTheirContent() {
        String source = "{% for m in messages %}{% if m.role == 'assistant' %}{% generation %}{{ m.content }}<e>"
                + "{% endgeneration %}{% else %}[{{ m.content }}]{% endif %}{% endfor %}";
        ChatTemplate template = ChatTemplate.fromSource(source, Map.of(), "generation.jinja");
        assertThat(template.render(List.of(Message.user("u"), Message.assistant("a")), false)).isEqualTo("[u]a<e>");
    }

    @Test
    void forModelReadsTheDefaultOfNamedTemplatesAndAddedTokenObjects(@TempDir Path dir) throws IOException {
        ObjectNode config = JSON.createObjectNode();
        config.putObject("bos_token").put("content", "<|begin_of_text|>").put("special", true);
        config.put("eos_token", "<|eot_id|>");
        config.putArray("chat_template")
                .add(JSON.createObjectNode().put("name", "tool_use").put("template", "{{ raise_exception('no') }}"))
                .add(JSON.createObjectNode().put("name", "default")
                        .put("template", resource("Meta-Llama-3-8B-Instruct.jinja")));
        JSON.writeValue(dir.resolve("tokenizer_config.json").toFile(), config);
        ChatTemplate template = ChatTemplate.forModel(dir);
        assertThat(template.render(List.of(Message.user("Hi")), false))
                .isEqualTo("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>");
        JSON.writeValue(dir.resolve("special_tokens_map.json").toFile(), JSON.createObjectNode()
                .set("bos_token", JSON.createObjectNode().put("content", "<|map_bos|>")));
        assertThat(ChatTemplate.forModel(dir).render(List.of(Message.user("Hi")), false))
                .as("special_tokens_map.json wins over tokenizer_config.json")
                .startsWith("<|map_bos|><|start_header_id|>");
        assertThat(template.toString()).contains("tokenizer_config.json chat_template");

        Files.writeString(dir.resolve("chat_template.jinja"), resource("Qwen2-7B-Instruct.jinja") + "\n");
        ChatTemplate file = ChatTemplate.forModel(dir);
        assertThat(file.render(List.of(Message.user("Hi")), false)).as("chat_template.jinja wins, its last newline"
                + " dropped as Jinja drops it")
                .isEqualTo("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
                        + "<|im_start|>user\nHi<|im_end|>\n");
        assertThat(file.toString()).contains("chat_template.jinja");
    }

    @Test
    void forModelRefusesAModelWithoutATemplate(@TempDir Path dir) throws IOException {
        JSON.writeValue(dir.resolve("tokenizer_config.json").toFile(), JSON.createObjectNode().put("bos_token", "<s>"));
        assertThatThrownBy(() -> ChatTemplate.forModel(dir))
                .isInstanceOfSatisfying(ChatTemplateException.class,
                        e -> assertThat(e.kind()).isEqualTo(ChatTemplateException.Kind.MISSING))
                .hasMessageContaining("model " + dir + " has no chat template");
        ObjectNode named = JSON.createObjectNode();
        named.putArray("chat_template").add(JSON.createObjectNode().put("name", "rag").put("template", "x"));
        JSON.writeValue(dir.resolve("tokenizer_config.json").toFile(), named);
        assertThatThrownBy(() -> ChatTemplate.forModel(dir))
                .hasMessageContaining("lists templates [rag], expected one named default");
    }

    @Test
    void rejectsAnEmptyConversation() {
        ChatTemplate template = template("Meta-Llama-3-8B-Instruct.jinja", LLAMA_TOKENS);
        assertThatThrownBy(() -> template.render(List.of(), true)).hasMessageContaining("messages are empty");
    }
}
