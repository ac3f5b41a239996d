package io.textintel.serving.tools;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes a BERT WordPiece tokenizer in the files Hugging Face saves: {@code tokenizer.json} (the
 * fast tokenizer: BertNormalizer, BertPreTokenizer, WordPiece, "[CLS] $A [SEP]" template),
 * {@code tokenizer_config.json}, {@code special_tokens_map.json} and {@code vocab.txt}.
 */
final class TokenizerFiles {

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private TokenizerFiles() {}

    /** Writes the four files into {@code dir} for {@code tokens} (id order) and returns the vocabulary size. */
    static int write(Path dir, List<String> tokens, int modelMaxLength) throws IOException {
        Files.createDirectories(dir);
        JSON.writeValue(dir.resolve("tokenizer.json").toFile(), tokenizerJson(tokens));
        JSON.writeValue(dir.resolve("tokenizer_config.json").toFile(), tokenizerConfig(tokens, modelMaxLength));
        JSON.writeValue(dir.resolve("special_tokens_map.json").toFile(), specialTokensMap());
        Files.writeString(dir.resolve("vocab.txt"), String.join("\n", tokens) + "\n", StandardCharsets.UTF_8);
        return tokens.size();
    }

    private static ObjectNode tokenizerJson(List<String> tokens) {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (String special : WordPieceVocabulary.SPECIAL_TOKENS) {
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
        root.set("post_processor", templateProcessing(tokens));
        root.putObject("decoder").put("type", "WordPiece").put("prefix", "##").put("cleanup", true);
        ObjectNode model = root.putObject("model");
        model.put("type", "WordPiece")
                .put("unk_token", WordPieceVocabulary.UNK)
                .put("continuing_subword_prefix", "##")
                .put("max_input_chars_per_word", 100);
        ObjectNode vocab = model.putObject("vocab");
        for (int id = 0; id < tokens.size(); id++) {
            vocab.put(tokens.get(id), id);
        }
        return root;
    }

    private static ObjectNode templateProcessing(List<String> tokens) {
        ObjectNode processor = JSON.createObjectNode().put("type", "TemplateProcessing");
        ArrayNode single = processor.putArray("single");
        special(single, WordPieceVocabulary.CLS, 0);
        sequence(single, "A", 0);
        special(single, WordPieceVocabulary.SEP, 0);
        ArrayNode pair = processor.putArray("pair");
        special(pair, WordPieceVocabulary.CLS, 0);
        sequence(pair, "A", 0);
        special(pair, WordPieceVocabulary.SEP, 0);
        sequence(pair, "B", 1);
        special(pair, WordPieceVocabulary.SEP, 1);
        ObjectNode specials = processor.putObject("special_tokens");
        for (String token : List.of(WordPieceVocabulary.CLS, WordPieceVocabulary.SEP)) {
            ObjectNode entry = specials.putObject(token).put("id", token);
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

    private static ObjectNode tokenizerConfig(List<String> tokens, int modelMaxLength) {
        ObjectNode config = JSON.createObjectNode();
        ObjectNode decoder = config.putObject("added_tokens_decoder");
        for (String special : WordPieceVocabulary.SPECIAL_TOKENS) {
            decoder.putObject(String.valueOf(tokens.indexOf(special)))
                    .put("content", special)
                    .put("lstrip", false)
                    .put("normalized", false)
                    .put("rstrip", false)
                    .put("single_word", false)
                    .put("special", true);
        }
        config.put("clean_up_tokenization_spaces", true)
                .put("cls_token", WordPieceVocabulary.CLS)
                .put("do_basic_tokenize", true)
                .put("do_lower_case", true)
                .put("mask_token", WordPieceVocabulary.MASK)
                .put("model_max_length", modelMaxLength)
                .putNull("never_split");
        config.put("pad_token", WordPieceVocabulary.PAD)
                .put("sep_token", WordPieceVocabulary.SEP)
                .putNull("strip_accents");
        config.put("tokenize_chinese_chars", true)
                .put("tokenizer_class", "BertTokenizer")
                .put("unk_token", WordPieceVocabulary.UNK);
        return config;
    }

    private static ObjectNode specialTokensMap() {
        return JSON.createObjectNode()
                .put("cls_token", WordPieceVocabulary.CLS)
                .put("mask_token", WordPieceVocabulary.MASK)
                .put("pad_token", WordPieceVocabulary.PAD)
                .put("sep_token", WordPieceVocabulary.SEP)
                .put("unk_token", WordPieceVocabulary.UNK);
    }
}
