package io.textintel.serving.tools;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a byte-level BPE tokenizer in the files Hugging Face saves for Llama 3 and Qwen2:
 * {@code tokenizer.json} (the family's {@code Sequence[Split, ByteLevel]} pre-tokenizer, ByteLevel
 * decoder, BPE model, the family's special tokens as added tokens; Qwen2's NFC normalizer), {@code tokenizer_config.json} with the family's {@code chat_template},
 * and {@code special_tokens_map.json}.
 */
final class DecoderTokenizerFiles {

    static final String BEGIN_OF_TEXT = "<|begin_of_text|>";
    static final String END_OF_TEXT = "<|end_of_text|>";
    static final String START_HEADER = "<|start_header_id|>";
    static final String END_HEADER = "<|end_header_id|>";
    static final String EOT = "<|eot_id|>";
    static final String ENDOFTEXT = "<|endoftext|>";
    static final String IM_START = "<|im_start|>";
    static final String IM_END = "<|im_end|>";

    /** The {@code Split} expression of Llama 3's {@code tokenizer.json}: up to three digits a piece. */
    static final String LLAMA_3_PATTERN = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    /** The {@code Split} expression of Qwen2's {@code tokenizer.json}: one digit a piece. */
    static final String QWEN2_PATTERN = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    /** Meta-Llama-3-8B-Instruct's {@code chat_template}. */
    static final String LLAMA_3_CHAT_TEMPLATE = "{% set loop_messages = messages %}{% for message in loop_messages %}"
            + "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content']"
            + " | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}"
            + "{{ content }}{% endfor %}{% if add_generation_prompt %}"
            + "{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}";

    /** Qwen2-Instruct's {@code chat_template}. */
    static final String QWEN2_CHAT_TEMPLATE = "{% for message in messages %}{% if loop.first and messages[0]['role']"
            + " != 'system' %}{{ '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n' }}{% endif %}"
            + "{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}"
            + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

    /** The special tokens of a family, in id order after the BPE vocabulary. */
    static List<String> specialTokens(TinyDecoderSpec.Family family) {
        return switch (family) {
            case LLAMA -> List.of(BEGIN_OF_TEXT, END_OF_TEXT, START_HEADER, END_HEADER, EOT);
            case QWEN2 -> List.of(ENDOFTEXT, IM_START, IM_END);
        };
    }

    private DecoderTokenizerFiles() {}

    /** Writes the tokenizer files into {@code dir}; returns every token in id order. */
    static List<String> write(Path dir, TinyDecoderSpec spec) throws IOException {
        ByteLevelBpe bpe = ByteLevelBpe.train(WordPieceVocabulary.words(), spec.merges());
        List<String> tokens = new ArrayList<>(bpe.tokens());
        List<String> specials = specialTokens(spec.family());
        tokens.addAll(specials);
        Files.createDirectories(dir);
        TokenizerFiles.JSON.writeValue(dir.resolve("tokenizer.json").toFile(), tokenizerJson(spec, bpe, tokens));
        TokenizerFiles.JSON.writeValue(dir.resolve("tokenizer_config.json").toFile(), tokenizerConfig(spec, tokens));
        ObjectNode map = TokenizerFiles.JSON.createObjectNode();
        if (spec.family() == TinyDecoderSpec.Family.LLAMA) {
            map.put("bos_token", BEGIN_OF_TEXT).put("eos_token", EOT);
        } else {
            map.putArray("additional_special_tokens").add(IM_START).add(IM_END);
            map.put("eos_token", IM_END).put("pad_token", ENDOFTEXT);
        }
        TokenizerFiles.JSON.writeValue(dir.resolve("special_tokens_map.json").toFile(), map);
        return List.copyOf(tokens);
    }

    private static ObjectNode tokenizerJson(TinyDecoderSpec spec, ByteLevelBpe bpe, List<String> tokens) {
        ObjectNode root = TokenizerFiles.JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (String special : specialTokens(spec.family())) {
            added.addObject()
                    .put("id", tokens.indexOf(special))
                    .put("content", special)
                    .put("single_word", false)
                    .put("lstrip", false)
                    .put("rstrip", false)
                    .put("normalized", false)
                    .put("special", true);
        }
        if (spec.family() == TinyDecoderSpec.Family.QWEN2) {
            root.putObject("normalizer").put("type", "NFC");
        } else {
            root.putNull("normalizer");
        }
        root.set("pre_tokenizer", preTokenizer(spec.family()));
        if (spec.family() == TinyDecoderSpec.Family.LLAMA) {
            root.set("post_processor", beginOfTextTemplate(tokens));
        } else {
            root.putObject("post_processor").put("type", "ByteLevel").put("add_prefix_space", false)
                    .put("trim_offsets", false).put("use_regex", false);
        }
        root.putObject("decoder").put("type", "ByteLevel").put("add_prefix_space", true)
                .put("trim_offsets", true).put("use_regex", true);
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE").putNull("dropout");
        model.putNull("unk_token").putNull("continuing_subword_prefix").putNull("end_of_word_suffix");
        model.put("fuse_unk", false).put("byte_fallback", false);
        ObjectNode vocab = model.putObject("vocab");
        for (int id = 0; id < bpe.tokens().size(); id++) {
            vocab.put(bpe.tokens().get(id), id);
        }
        ArrayNode merges = model.putArray("merges");
        bpe.merges().forEach(merges::add);
        return root;
    }

    /**
     * The pre-tokenizer as the family ships it: a {@code Split} on the family's regular expression
     * (isolated pieces), then {@code ByteLevel} without its own regular expression. Llama 3 and
     * Qwen2 differ only in how many digits a piece holds.
     */
    static ObjectNode preTokenizer(TinyDecoderSpec.Family family) {
        String pattern = family == TinyDecoderSpec.Family.LLAMA ? LLAMA_3_PATTERN : QWEN2_PATTERN;
        ObjectNode sequence = TokenizerFiles.JSON.createObjectNode().put("type", "Sequence");
        ArrayNode steps = sequence.putArray("pretokenizers");
        ObjectNode split = steps.addObject().put("type", "Split");
        split.putObject("pattern").put("Regex", pattern);
        split.put("behavior", "Isolated").put("invert", false);
        steps.addObject().put("type", "ByteLevel").put("add_prefix_space", false)
                .put("trim_offsets", family == TinyDecoderSpec.Family.LLAMA).put("use_regex", false);
        return sequence;
    }

    /** Llama 3's post-processor: {@code <|begin_of_text|>} before every sequence. */
    private static ObjectNode beginOfTextTemplate(List<String> tokens) {
        ObjectNode processor = TokenizerFiles.JSON.createObjectNode().put("type", "TemplateProcessing");
        ArrayNode single = processor.putArray("single");
        single.addObject().putObject("SpecialToken").put("id", BEGIN_OF_TEXT).put("type_id", 0);
        single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        ArrayNode pair = processor.putArray("pair");
        pair.addObject().putObject("SpecialToken").put("id", BEGIN_OF_TEXT).put("type_id", 0);
        pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        pair.addObject().putObject("SpecialToken").put("id", BEGIN_OF_TEXT).put("type_id", 1);
        pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
        ObjectNode entry = processor.putObject("special_tokens").putObject(BEGIN_OF_TEXT).put("id", BEGIN_OF_TEXT);
        entry.putArray("ids").add(tokens.indexOf(BEGIN_OF_TEXT));
        entry.putArray("tokens").add(BEGIN_OF_TEXT);
        return processor;
    }

    private static ObjectNode tokenizerConfig(TinyDecoderSpec spec, List<String> tokens) {
        ObjectNode config = TokenizerFiles.JSON.createObjectNode();
        ObjectNode decoder = config.putObject("added_tokens_decoder");
        for (String special : specialTokens(spec.family())) {
            decoder.putObject(String.valueOf(tokens.indexOf(special)))
                    .put("content", special)
                    .put("lstrip", false)
                    .put("normalized", false)
                    .put("rstrip", false)
                    .put("single_word", false)
                    .put("special", true);
        }
        if (spec.family() == TinyDecoderSpec.Family.LLAMA) {
            config.put("bos_token", BEGIN_OF_TEXT)
                    .put("chat_template", LLAMA_3_CHAT_TEMPLATE)
                    .put("clean_up_tokenization_spaces", true)
                    .put("eos_token", EOT);
            config.putArray("model_input_names").add("input_ids").add("attention_mask");
            config.put("model_max_length", spec.maxPositions())
                    .put("tokenizer_class", "PreTrainedTokenizerFast");
        } else {
            config.putArray("additional_special_tokens").add(IM_START).add(IM_END);
            config.putNull("bos_token");
            config.put("chat_template", QWEN2_CHAT_TEMPLATE)
                    .put("clean_up_tokenization_spaces", false)
                    .put("eos_token", IM_END)
                    .put("errors", "replace")
                    .put("model_max_length", spec.maxPositions())
                    .put("pad_token", ENDOFTEXT)
                    .put("split_special_tokens", false)
                    .put("tokenizer_class", "Qwen2Tokenizer");
            config.putNull("unk_token");
        }
        return config;
    }
}
