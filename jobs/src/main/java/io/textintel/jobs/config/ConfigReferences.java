package io.textintel.jobs.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Replaces {@code ${env:NAME}} and {@code ${file:PATH}} in every string value of a configuration
 * tree by the environment variable's value or the file's content, so that secrets need not be
 * written in the YAML.
 *
 * <p>A reference may be the whole value or part of it ({@code password="${env:KAFKA_PASSWORD}"}
 * inside a JAAS line). A file's content loses one trailing line break; a relative path is relative
 * to the configuration file's folder. {@code $${} stands for a literal {@code ${}. Problems name the
 * key and the variable or file, never a value.
 */
final class ConfigReferences {

    private static final Pattern REFERENCE = Pattern.compile("\\$(\\$?)\\{(env|file):([^}]*)}");

    private final Function<String, String> environment;
    private final Path baseDir;
    private final List<String> problems = new ArrayList<>();

    /**
     * @param environment looks up environment variables ({@code System::getenv} in production)
     * @param baseDir the folder relative file paths start from
     */
    ConfigReferences(Function<String, String> environment, Path baseDir) {
        this.environment = environment;
        this.baseDir = baseDir;
    }

    /** Resolves every reference in {@code root}; throws one {@link ConfigException} listing all problems. */
    void resolve(ObjectNode root, String source) {
        resolveObject(root, "");
        if (!problems.isEmpty()) {
            throw new ConfigException(source, problems);
        }
    }

    private void resolveObject(ObjectNode node, String path) {
        for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            String key = path.isEmpty() ? field.getKey() : path + "." + field.getKey();
            JsonNode resolved = resolveNode(field.getValue(), key);
            if (resolved != field.getValue()) {
                field.setValue(resolved);
            }
        }
    }

    private JsonNode resolveNode(JsonNode node, String key) {
        if (node.isObject()) {
            resolveObject((ObjectNode) node, key);
        } else if (node.isArray()) {
            ArrayNode array = (ArrayNode) node;
            for (int i = 0; i < array.size(); i++) {
                JsonNode element = array.get(i);
                JsonNode resolved = resolveNode(element, key + "[" + i + "]");
                if (resolved != element) {
                    array.set(i, resolved);
                }
            }
        } else if (node.isTextual() && node.textValue().contains("${")) {
            return TextNode.valueOf(resolveText(node.textValue(), key));
        }
        return node;
    }

    private String resolveText(String text, String key) {
        Matcher matcher = REFERENCE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (matcher.find()) {
            String replacement;
            if (!matcher.group(1).isEmpty()) {
                replacement = matcher.group().substring(1);
            } else if (matcher.group(2).equals("env")) {
                replacement = environmentVariable(matcher.group(3).trim(), key);
            } else {
                replacement = fileContent(matcher.group(3).trim(), key);
            }
            matcher.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        matcher.appendTail(out);
        return out.toString();
    }

    private String environmentVariable(String name, String key) {
        if (name.isEmpty()) {
            problems.add(key + ": ${env:} names no variable, expected ${env:NAME}");
            return "";
        }
        String value = environment.apply(name);
        if (value == null) {
            problems.add(key + ": environment variable " + name + " is not set, expected it to hold the value");
            return "";
        }
        return value;
    }

    private String fileContent(String name, String key) {
        if (name.isEmpty()) {
            problems.add(key + ": ${file:} names no file, expected ${file:PATH}");
            return "";
        }
        Path file = baseDir.resolve(name);
        try {
            String content = Files.readString(file, StandardCharsets.UTF_8);
            if (content.endsWith("\r\n")) {
                return content.substring(0, content.length() - 2);
            }
            return content.endsWith("\n") ? content.substring(0, content.length() - 1) : content;
        } catch (IOException e) {
            problems.add(key + ": file " + file + " cannot be read (" + e.getClass().getSimpleName()
                    + "), expected a readable file holding the value");
            return "";
        }
    }
}
