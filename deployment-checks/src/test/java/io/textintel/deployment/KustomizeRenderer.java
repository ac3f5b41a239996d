package io.textintel.deployment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Renders a kustomization as {@code kubectl apply -k} would, for the subset k8s/ uses: {@code resources}
 * (files and directories with their own kustomization), {@code patches} given by {@code path} as strategic
 * merges (mappings merged key by key, lists of mappings with a {@code name} merged by name, other values
 * replaced), {@code namespace}, and {@code labels} pairs on metadata. Any other kustomization field fails.
 */
final class KustomizeRenderer {

    static final YAMLMapper YAML = new YAMLMapper();
    private static final Set<String> KNOWN = Set.of("apiVersion", "kind", "resources", "patches", "namespace", "labels");
    private static final Set<String> CLUSTER_SCOPED = Set.of("Namespace");

    private KustomizeRenderer() {}

    static List<ObjectNode> render(Path directory) throws IOException {
        JsonNode kustomization = YAML.readTree(directory.resolve("kustomization.yaml").toFile());
        kustomization.fieldNames().forEachRemaining(field -> {
            if (!KNOWN.contains(field)) {
                throw new IllegalArgumentException(directory + "/kustomization.yaml has field '" + field
                        + "', expected one of " + KNOWN);
            }
        });
        List<ObjectNode> objects = new ArrayList<>();
        for (JsonNode resource : kustomization.path("resources")) {
            Path path = directory.resolve(resource.asText()).normalize();
            objects.addAll(Files.isDirectory(path) ? render(path) : readAll(path));
        }
        for (JsonNode patch : kustomization.path("patches")) {
            for (ObjectNode change : readAll(directory.resolve(patch.path("path").asText()))) {
                ObjectNode target = objects.stream().filter(o -> sameObject(o, change)).findFirst()
                        .orElseThrow(() -> new IllegalArgumentException("patch " + patch + " targets " + id(change)
                                + ", which the resources do not have"));
                merge(target, change);
            }
        }
        String namespace = kustomization.path("namespace").asText(null);
        for (ObjectNode object : objects) {
            ObjectNode metadata = object.with("metadata");
            if (namespace != null && !CLUSTER_SCOPED.contains(object.path("kind").asText())) {
                metadata.put("namespace", namespace);
            }
            for (JsonNode labels : kustomization.path("labels")) {
                Iterator<Map.Entry<String, JsonNode>> pairs = labels.path("pairs").fields();
                while (pairs.hasNext()) {
                    Map.Entry<String, JsonNode> pair = pairs.next();
                    metadata.with("labels").set(pair.getKey(), pair.getValue());
                }
            }
        }
        return objects;
    }

    static List<ObjectNode> readAll(Path file) throws IOException {
        List<ObjectNode> documents = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(file.toFile())) {
            while (it.hasNext()) {
                JsonNode document = it.next();
                if (document != null && !document.isNull() && !document.isMissingNode()) {
                    if (!document.isObject()) {
                        throw new IllegalArgumentException(file + " holds a document that is not a mapping");
                    }
                    documents.add((ObjectNode) document);
                }
            }
        }
        return documents;
    }

    static String id(JsonNode object) {
        return object.path("kind").asText() + "/" + object.path("metadata").path("name").asText();
    }

    private static boolean sameObject(JsonNode a, JsonNode b) {
        return a.path("apiVersion").equals(b.path("apiVersion")) && id(a).equals(id(b));
    }

    private static void merge(ObjectNode target, ObjectNode patch) {
        patch.fields().forEachRemaining(entry -> {
            JsonNode existing = target.get(entry.getKey());
            JsonNode change = entry.getValue();
            if (existing instanceof ObjectNode existingObject && change instanceof ObjectNode changeObject) {
                merge(existingObject, changeObject);
            } else if (existing instanceof ArrayNode existingList && change instanceof ArrayNode changeList
                    && isNamedList(existingList) && isNamedList(changeList)) {
                for (JsonNode item : changeList) {
                    ObjectNode match = null;
                    for (JsonNode candidate : existingList) {
                        if (candidate.path("name").equals(item.path("name"))) {
                            match = (ObjectNode) candidate;
                        }
                    }
                    if (match == null) {
                        existingList.add(item);
                    } else {
                        merge(match, (ObjectNode) item);
                    }
                }
            } else {
                target.set(entry.getKey(), change);
            }
        });
    }

    private static boolean isNamedList(ArrayNode list) {
        for (JsonNode item : list) {
            if (!item.isObject() || !item.has("name")) {
                return false;
            }
        }
        return !list.isEmpty();
    }
}
