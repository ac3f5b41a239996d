package io.textintel.operators.inference;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads the labelled example texts of a few-shot tagging task from a file.
 *
 * <ul>
 *   <li>{@code .jsonl} (or {@code .json}): one JSON object per line, {@code {"text": "...", "label": "..."}};
 *       {@code "label"} may also be a list, or the key {@code "labels"}, for multi-label examples.
 *       Other keys are ignored; blank lines are skipped.
 *   <li>{@code .csv}: a header row with the columns {@code text} and {@code label}, RFC 4180 quoting.
 * </ul>
 *
 * <p>The same text given more than once is one example with all the labels it was given, in order.
 */
public final class LabelledExamples {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final CsvMapper CSV = CsvMapper.builder().enable(CsvParser.Feature.TRIM_SPACES).build();

    private LabelledExamples() {}

    /** The examples in {@code file}, in file order; throws IllegalArgumentException naming the file and line. */
    public static List<LabelledExample> read(Path file) throws IOException {
        String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "examples file does not exist");
        }
        Map<String, List<String>> byText = new LinkedHashMap<>();
        if (name.endsWith(".csv")) {
            readCsv(file, byText);
        } else if (name.endsWith(".jsonl") || name.endsWith(".json") || name.endsWith(".ndjson")) {
            readJsonLines(file, byText);
        } else {
            throw new IllegalArgumentException("examples file " + file + " has an unknown type, expected .jsonl or .csv");
        }
        List<LabelledExample> examples = new ArrayList<>(byText.size());
        byText.forEach((text, labels) -> examples.add(new LabelledExample(text, labels)));
        return examples;
    }

    private static void readJsonLines(Path file, Map<String, List<String>> byText) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            String where = file + " line " + (i + 1);
            JsonNode node;
            try {
                node = JSON.readTree(line);
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException(where + " is not JSON (" + e.getOriginalMessage()
                        + "), expected {\"text\": ..., \"label\": ...}");
            }
            if (!node.isObject()) {
                throw new IllegalArgumentException(where + " is not a JSON object, expected {\"text\": ..., \"label\": ...}");
            }
            JsonNode text = node.get("text");
            if (text == null || !text.isTextual() || text.asText().isBlank()) {
                throw new IllegalArgumentException(where + " has no text, expected a non-blank string \"text\"");
            }
            JsonNode label = node.has("label") ? node.get("label") : node.get("labels");
            add(byText, text.asText(), labelsOf(label, where));
        }
    }

    private static List<String> labelsOf(JsonNode label, String where) {
        List<String> labels = new ArrayList<>();
        if (label != null && label.isTextual()) {
            labels.add(label.asText());
        } else if (label != null && label.isArray()) {
            label.forEach(item -> labels.add(item.isTextual() ? item.asText() : ""));
        }
        if (labels.isEmpty() || labels.stream().anyMatch(String::isBlank)) {
            throw new IllegalArgumentException(where + " has no valid label, expected \"label\": a non-blank string"
                    + " or a list of them");
        }
        return labels;
    }

    private static void readCsv(Path file, Map<String, List<String>> byText) throws IOException {
        CsvSchema schema = CsvSchema.emptySchema().withHeader();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8);
                MappingIterator<Map<String, String>> rows = CSV.readerForMapOf(String.class).with(schema)
                        .readValues(reader)) {
            int line = 1;
            while (rows.hasNextValue()) {
                Map<String, String> row = rows.nextValue();
                line++;
                String where = file + " line " + line;
                if (!row.containsKey("text") || !row.containsKey("label")) {
                    throw new IllegalArgumentException(file + " has columns " + row.keySet()
                            + ", expected a header with text and label");
                }
                String text = row.get("text");
                String label = row.get("label");
                if (text == null || text.isBlank()) {
                    throw new IllegalArgumentException(where + " has no text, expected a non-blank text column");
                }
                if (label == null || label.isBlank()) {
                    throw new IllegalArgumentException(where + " has no label, expected a non-blank label column");
                }
                add(byText, text, List.of(label));
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(file + " is not valid CSV (" + e.getOriginalMessage()
                    + "), expected a header row text,label and one example per row");
        }
    }

    private static void add(Map<String, List<String>> byText, String text, List<String> labels) {
        List<String> known = byText.computeIfAbsent(text, t -> new ArrayList<>());
        for (String label : labels) {
            if (!known.contains(label)) {
                known.add(label);
            }
        }
    }
}
