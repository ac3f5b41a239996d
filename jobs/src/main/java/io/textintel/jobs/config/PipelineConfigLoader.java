package io.textintel.jobs.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import org.apache.flink.util.TimeUtils;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Reads a {@link PipelineConfig} from YAML, applies {@code key.path=value} overrides from the command
 * line, and validates the result, so that every mistake is reported at start with the key it is in.
 *
 * <p>Durations are written as {@code 500ms}, {@code 10s}, {@code 2min} (Flink's duration syntax).
 * Override values are YAML scalars or flow collections: {@code kafka.topics=[feedback, reviews]}.
 * After the overrides, {@code ${env:NAME}} and {@code ${file:PATH}} in any string value are
 * replaced by the environment variable or the file's content (see {@link ConfigReferences}), so
 * secrets stay out of the file.
 */
public final class PipelineConfigLoader {

    private static final YAMLMapper MAPPER = createMapper();

    private PipelineConfigLoader() {}

    /** Reads, overrides and validates the configuration file {@code file}. */
    public static PipelineConfig load(Path file, List<String> overrides) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        return parse(Files.readString(file), file.toString(), overrides, System::getenv,
                dir == null ? Path.of("") : dir);
    }

    /**
     * Parses, overrides and validates configuration text.
     *
     * @param source what the text is (a file name), for messages
     */
    public static PipelineConfig parse(String yaml, String source, List<String> overrides) {
        return parse(yaml, source, overrides, System::getenv, Path.of(""));
    }

    /**
     * Parses, overrides, resolves references and validates configuration text.
     *
     * @param environment looks up {@code ${env:NAME}} references
     * @param baseDir where relative {@code ${file:PATH}} references start
     */
    static PipelineConfig parse(String yaml, String source, List<String> overrides,
            java.util.function.Function<String, String> environment, Path baseDir) {
        ObjectNode root = readTree(yaml, source);
        for (String override : overrides) {
            applyOverride(root, override);
        }
        new ConfigReferences(environment, baseDir).resolve(root, source);
        try {
            return MAPPER.treeToValue(root, PipelineConfig.class).validate(source);
        } catch (JsonMappingException e) {
            throw new ConfigException(source, List.of(describe(e)));
        } catch (JsonProcessingException e) {
            throw new ConfigException(source, List.of(e.getOriginalMessage()));
        }
    }

    private static ObjectNode readTree(String yaml, String source) {
        try {
            JsonNode tree = yaml.isBlank() ? null : MAPPER.readTree(yaml);
            if (tree == null || tree.isNull() || tree.isMissingNode()) {
                return JsonNodeFactory.instance.objectNode();
            }
            if (!tree.isObject()) {
                throw new ConfigException(source, List.of("the document is a " + tree.getNodeType().name().toLowerCase()
                        + ", expected a mapping of keys such as kafka, elasticsearch, tasks"));
            }
            return (ObjectNode) tree;
        } catch (JsonProcessingException e) {
            throw new ConfigException(source, List.of("is not valid YAML: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr())));
        }
    }

    /**
     * Keys whose value is a mapping of free-form names that contain dots themselves (Kafka client
     * properties such as {@code max.request.size}): in an override, everything after such a key is
     * one name.
     */
    private static final List<String> FREE_FORM_MAPPINGS = List.of("kafka.properties.");

    /**
     * Sets {@code a.b.c=value} in the tree, creating the mappings on the way; under a free-form mapping
     * the rest of the key is one name: {@code kafka.properties.max.request.size=2097152}.
     */
    static void applyOverride(ObjectNode root, String override) {
        int eq = override.indexOf('=');
        if (eq <= 0) {
            throw new ConfigException("override '" + override + "'", List.of("is not key=value, e.g. kafka.topics=[feedback]"));
        }
        String key = override.substring(0, eq).trim();
        String[] path = splitKey(key);
        ObjectNode node = root;
        for (int i = 0; i < path.length - 1; i++) {
            JsonNode child = node.get(path[i]);
            if (child == null || !child.isObject()) {
                child = node.putObject(path[i]);
            }
            node = (ObjectNode) child;
        }
        String text = override.substring(eq + 1).trim();
        JsonNode value;
        try {
            value = text.isEmpty() ? JsonNodeFactory.instance.nullNode() : MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            value = JsonNodeFactory.instance.textNode(text);
        }
        node.set(path[path.length - 1], value == null ? JsonNodeFactory.instance.nullNode() : value);
    }

    /** The key's path: split at dots, except after a free-form mapping's key. */
    static String[] splitKey(String key) {
        for (String mapping : FREE_FORM_MAPPINGS) {
            if (key.startsWith(mapping) && key.length() > mapping.length()) {
                String[] parent = mapping.substring(0, mapping.length() - 1).split("\\.");
                String[] path = java.util.Arrays.copyOf(parent, parent.length + 1);
                path[parent.length] = key.substring(mapping.length());
                return path;
            }
        }
        return key.split("\\.");
    }

    private static String describe(JsonMappingException e) {
        String key = e.getPath().stream()
                .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining(".")).replace(".[", "[");
        if (e instanceof UnrecognizedPropertyException unknown) {
            String known = unknown.getKnownPropertyIds() == null ? "" : unknown.getKnownPropertyIds().stream()
                    .map(Object::toString).sorted().collect(Collectors.joining(", "));
            return "unknown key '" + key + "', expected one of: " + known;
        }
        if (e instanceof ValueInstantiationException && e.getCause() != null) {
            return (key.isEmpty() ? "" : key + ": ") + e.getCause().getMessage();
        }
        if (e instanceof InvalidFormatException invalid) {
            return key + " has value '" + invalid.getValue() + "', expected " + simpleType(invalid.getTargetType());
        }
        if (e instanceof MismatchedInputException mismatched && mismatched.getTargetType() != null) {
            return key + " has the wrong shape, expected " + simpleType(mismatched.getTargetType());
        }
        return key + ": " + e.getOriginalMessage();
    }

    private static String simpleType(Class<?> type) {
        if (type == Integer.class || type == int.class || type == Long.class) {
            return "a whole number";
        }
        if (type == Float.class || type == Double.class) {
            return "a number";
        }
        if (type == Boolean.class) {
            return "true or false";
        }
        if (type == Duration.class) {
            return "a duration such as 500ms, 10s or 2min";
        }
        if (List.class.isAssignableFrom(type)) {
            return "a list";
        }
        if (type == String.class) {
            return "a string";
        }
        return "a mapping (" + type.getSimpleName() + ")";
    }

    private static YAMLMapper createMapper() {
        YAMLMapper mapper = new YAMLMapper();
        mapper.setPropertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE);
        mapper.enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        mapper.enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
        SimpleModule durations = new SimpleModule("textintel-durations");
        durations.addDeserializer(Duration.class, new JsonDeserializer<>() {
            @Override
            public Duration deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
                String text = p.getValueAsString();
                try {
                    return TimeUtils.parseDuration(text);
                } catch (IllegalArgumentException | NullPointerException e) {
                    throw InvalidFormatException.from(p, "not a duration", text, Duration.class);
                }
            }
        });
        mapper.registerModule(durations);
        return mapper;
    }
}
