package io.textintel.serving.tools;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.textintel.serving.tools.WordPieceVocabulary.Specials;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes a WordPiece tokenizer in the files Hugging Face saves: {@code tokenizer.json} (the fast
 * tokenizer: BertNormalizer, BertPreTokenizer, WordPiece, a "[CLS] $A [SEP]" template or MPNet's
 * "&lt;s&gt; $A &lt;/s&gt;"), {@code tokenizer_config.json}, {@code special_tokens_map.json} and
 * {@code vocab.txt}.
 */
final class TokenizerFiles {

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private TokenizerFiles() {}

    /** Writes the four files into {@code dir} for {@code tokens} (id order) and returns the vocabulary size. */
    static int write(Path dir, List<String> tokens, int modelMaxLength) throws IOException {
        return write(dir, tokens, modelMaxLength, Specials.BERT);
    }

    /** As {@link #write(Path, List, int)}, with the special tokens and tokenizer class of {@code specials}. */
    static int write(Path dir, List<String> tokens, int modelMaxLength, Specials specials) throws IOException {
        for (String special : specials.all()) {
            if (!tokens.contains(special)) {
                throw new IllegalArgumentException("vocabulary lacks special token " + special + ", expected all of "
                        + specials.all());
            }
        }
        Files.createDirectories(dir);
        JSON.writeValue(dir.resolve("tokenizer.json").toFile(), tokenizerJson(tokens, specials));
        JSON.writeValue(dir.resolve("tokenizer_config.json").toFile(),
                tokenizerConfig(tokens, modelMaxLength, specials));
        JSON.writeValue(dir.resolve("special_tokens_map.json").toFile(), specialTokensMap(specials));
        Files.writeString(dir.resolve("vocab.txt"), String.join("\n", tokens) + "\n", StandardCharsets.UTF_8);
        return tokens.size();
    }

    private static ObjectNode tokenizerJson(List<String> tokens, Specials specials) {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (String special : specials.all()) {
            added.addObject()
                    .put("id", tokens.indexOf(special))
                    .put("content", special)
                    .put("single_word", false)
                    .put("lstrip", false)
                    .put("rstrip", false)
                    .put("normalized", false)
                    .put("special", true);
        }
        root.putObject("normalizer")
                .put("type", "BertNormalizer")
                .put("clean_text", true)
                .put("handle_chinese_chars", true)
                .putNull("strip_accents")
                .put("lowercase", true);
        root.putObject("pre_tokenizer").put("type", "BertPreTokenizer");
        root.set("post_processor", templateProcessing(tokens, specials));
        root.putObject("decoder").put("type", "WordPiece").put("prefix", "##").put("cleanup", true);
        ObjectNode model = root.putObject("model");
        model.put("type", "WordPiece")
                .put("unk_token", specials.unk())
                .put("continuing_subword_prefix", "##")
                .put("max_input_chars_per_word", 100);
        ObjectNode vocab = model.putObject("vocab");
        for (int id = 0; id < tokens.size(); id++) {
            vocab.put(tokens.get(id), id);
        }
        return root;
    }

    private static ObjectNode templateProcessing(List<String> tokens, Specials specials) {
        ObjectNode processor = JSON.createObjectNode().put("type", "TemplateProcessing");
        ArrayNode single = processor.putArray("single");
        special(single, specials.cls(), 0);
        sequence(single, "A", 0);
        special(single, specials.sep(), 0);
        ArrayNode pair = processor.putArray("pair");
        special(pair, specials.cls(), 0);
        sequence(pair, "A", 0);
        special(pair, specials.sep(), 0);
        int secondType = specials.doubleSeparator() ? 0 : 1;
        if (specials.doubleSeparator()) {
            special(pair, specials.sep(), 0);
        }
        sequence(pair, "B", secondType);
        special(pair, specials.sep(), secondType);
        ObjectNode specialTokens = processor.putObject("special_tokens");
        for (String token : List.of(specials.cls(), specials.sep())) {
            ObjectNode entry = specialTokens.putObject(token).put("id", token);
            entry.putArray("ids").add(tokens.indexOf(token));
            entry.putArray("tokens").add(token);
        }
        return processor;
    }

    private static void special(ArrayNode template, String token, int typeId) {
        template.addObject().putObject("SpecialToken").put("id", token).put("type_id", typeId);
    }

    private static void sequence(ArrayNode template, String id, int typeId) {
        template.addObject().putObject("Sequence").put("id", id).put("type_id", typeId);
    }

    private static ObjectNode tokenizerConfig(List<String> tokens, int modelMaxLength, Specials specials) {
        ObjectNode config = JSON.createObjectNode();
        ObjectNode decoder = config.putObject("added_tokens_decoder");
        for (String special : specials.all()) {
            decoder.putObject(String.valueOf(tokens.indexOf(special)))
                    .put("content", special)
                    .put("lstrip", false)
                    .put("normalized", false)
                    .put("rstrip", false)
                    .put("single_word", false)
                    .put("special", true);
        }
        config.put("clean_up_tokenization_spaces", true)
                .put("cls_token", specials.cls())
                .put("do_basic_tokenize", true)
                .put("do_lower_case", true)
                .put("mask_token", specials.mask())
                .put("model_max_length", modelMaxLength)
                .putNull("never_split");
        config.put("pad_token", specials.pad())
                .put("sep_token", specials.sep())
                .putNull("strip_accents");
        config.put("tokenize_chinese_chars", true)
                .put("tokenizer_class", specials.tokenizerClass())
                .put("unk_token", specials.unk());
        return config;
    }

    private static ObjectNode specialTokensMap(Specials specials) {
        return JSON.createObjectNode()
                .put("cls_token", specials.cls())
                .put("mask_token", specials.mask())
                .put("pad_token", specials.pad())
                .put("sep_token", specials.sep())
                .put("unk_token", specials.unk());
    }
}
