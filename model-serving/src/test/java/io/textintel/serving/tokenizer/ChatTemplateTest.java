package io.textintel.serving.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.textintel.serving.tokenizer.ChatTemplate.Message;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Expected strings are what transformers' apply_chat_template renders for each model's template. */
class ChatTemplateTest {

    private static final List<Message> CONVERSATION = List.of(
            Message.system("You summarise news."),
            Message.user("  Summarise: rates rose.\n"),
            Message.assistant("Rates rose."),
            Message.user("Shorter?"));

    @Test
    void llama3TrimsContentAndOpensTheAssistantHeader() {
        ChatTemplate template = ChatTemplate.fromSource(ChatTemplate.LLAMA_3_SOURCE, "<|begin_of_text|>", "llama");
        assertThat(template.format()).isEqualTo(ChatTemplate.Format.LLAMA_3);
        assertThat(template.render(CONVERSATION, true)).isEqualTo("<|begin_of_text|>"
                + "<|start_header_id|>system<|end_header_id|>\n\nYou summarise news.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nSummarise: rates rose.<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\nRates rose.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nShorter?<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n");
        assertThat(template.render(List.of(Message.user("Hi")), false))
                .isEqualTo("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>");
    }

    @Test
    void llama31AlwaysWritesTheKnowledgeDateSystemBlock() {
        String source = "{{- bos_token }}...{{- \"Cutting Knowledge Date: December 2023\\n\" }}"
                + "...<|start_header_id|>...";
        ChatTemplate template = ChatTemplate.fromSource(source, "<|begin_of_text|>", "llama");
        assertThat(template.format()).isEqualTo(ChatTemplate.Format.LLAMA_3_1);
        assertThat(template.render(List.of(Message.user("Hi")), true)).isEqualTo("<|begin_of_text|>"
                + "<|start_header_id|>system<|end_header_id|>\n\n"
                + "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n");
        assertThat(template.render(List.of(Message.system(" Be brief. "), Message.user("Hi")), false))
                .isEqualTo("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
                        + "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\nBe brief.<|eot_id|>"
                        + "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>");
    }

    @Test
    void qwen2KeepsContentAsIsAndAddsItsDefaultSystemPrompt() {
        ChatTemplate template = ChatTemplate.fromSource(ChatTemplate.QWEN2_SOURCE, null, "qwen2");
        assertThat(template.render(CONVERSATION, true)).isEqualTo(
                "<|im_start|>system\nYou summarise news.<|im_end|>\n"
                        + "<|im_start|>user\n  Summarise: rates rose.\n<|im_end|>\n"
                        + "<|im_start|>assistant\nRates rose.<|im_end|>\n"
                        + "<|im_start|>user\nShorter?<|im_end|>\n"
                        + "<|im_start|>assistant\n");
        assertThat(template.render(List.of(Message.user("Hi")), false)).isEqualTo(
                "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n");
    }

    @Test
    void qwen25TemplateBringsItsOwnDefaultSystemPrompt() {
        String source = "{%- if tools %}...{%- else %}{%- if messages[0]['role'] == 'system' %}"
                + "{{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}{%- else %}"
                + "{{- '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant."
                + "<|im_end|>\\n' }}{%- endif %}{%- endif %}...";
        ChatTemplate template = ChatTemplate.fromSource(source, null, "qwen2");
        assertThat(template.render(List.of(Message.user("Hi")), true)).isEqualTo(
                "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
                        + "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
    }

    @Test
    void fallsBackOnTheModelTypeAndRejectsUnknownFormats() {
        assertThat(ChatTemplate.fromSource(null, null, "qwen2").format()).isEqualTo(ChatTemplate.Format.CHATML);
        assertThat(ChatTemplate.fromSource(null, null, "llama").render(List.of(Message.user("x")), false))
                .startsWith("<|begin_of_text|><|start_header_id|>user");
        assertThatThrownBy(() -> ChatTemplate.fromSource("{{ '[INST] ' + message['content'] }}", "<s>", "mistral"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a supported format");
        assertThatThrownBy(() -> ChatTemplate.fromSource(null, null, "mistral"))
                .hasMessageContaining("model_type mistral");
        assertThatThrownBy(() -> ChatTemplate.llama3("").render(List.of(), true))
                .hasMessageContaining("messages are empty");
    }
}
