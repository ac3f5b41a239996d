package io.textintel.serving.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * What {@code tokenizer.json} says about its vocabulary that the Rust tokenizer does not expose
 * through DJL: its size, the id of the unknown token and the ids of the special tokens.
 *
 * @param size number of ids (model vocabulary and added tokens: the highest id + 1)
 * @param unknownTokenId the id of the unknown token, or -1 if the model has none (byte-level BPE)
 * @param specialTokenIds ascending ids of the added tokens marked {@code "special": true}, which
 *     decoding with special tokens skipped leaves out
 */
record TokenizerVocabulary(int size, int unknownTokenId, List<Integer> specialTokenIds) {

    TokenizerVocabulary {
        specialTokenIds = List.copyOf(specialTokenIds);
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    static TokenizerVocabulary read(Path tokenizerJson) throws IOException {
        JsonNode root = JSON.readTree(tokenizerJson.toFile());
        JsonNode model = root.path("model");
        JsonNode vocab = model.path("vocab");
        int maxId = -1;
        int unknownId = -1;
        String unknownToken = model.path("unk_token").isTextual() ? model.path("unk_token").textValue() : null;
        if (vocab.isObject()) { // WordPiece, BPE, WordLevel: {"token": id}
            for (Map.Entry<String, JsonNode> entry : vocab.properties()) {
                maxId = Math.max(maxId, entry.getValue().asInt());
                if (entry.getKey().equals(unknownToken)) {
                    unknownId = entry.getValue().asInt();
                }
            }
        } else if (vocab.isArray()) { // Unigram: [["piece", score], ...], unk_id
            maxId = vocab.size() - 1;
            unknownId = model.path("unk_id").isInt() ? model.path("unk_id").intValue() : -1;
        } else {
            throw new IllegalArgumentException(tokenizerJson + " has no model.vocab, expected an object or an array");
        }
        TreeSet<Integer> special = new TreeSet<>();
        for (JsonNode added : root.path("added_tokens")) {
            int id = added.path("id").asInt(-1);
            maxId = Math.max(maxId, id);
            if (id >= 0 && added.path("special").asBoolean(false)) {
                special.add(id);
            }
            if (unknownId < 0 && unknownToken != null && unknownToken.equals(added.path("content").asText())) {
                unknownId = id;
            }
        }
        return new TokenizerVocabulary(maxId + 1, unknownId, List.copyOf(special));
    }
}
