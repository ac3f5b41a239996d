package io.textintel.deployment;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads manifests into Java models with unknown fields rejected. Jackson's FAIL_ON_UNKNOWN_PROPERTIES covers
 * the records; fabric8's and Strimzi's models collect unknown fields through {@code @JsonAnySetter} into
 * {@code additionalProperties} instead, so every object read is walked and any non-empty one fails, with
 * its path.
 */
final class StrictModels {

    static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

    private StrictModels() {}

    static <T> T read(JsonNode document, Class<T> type) {
        String id = KustomizeRenderer.id(document);
        T model;
        try {
            model = MAPPER.treeToValue(document, type);
        } catch (Exception e) {
            throw new AssertionError(id + " does not fit " + type.getName() + ": " + e.getMessage(), e);
        }
        rejectAdditionalProperties(model, id, new IdentityHashMap<>());
        return model;
    }

    private static void rejectAdditionalProperties(Object value, String path, IdentityHashMap<Object, Boolean> seen) {
        if (value == null || value instanceof String || value instanceof Number || value instanceof Boolean
                || value instanceof Enum<?> || seen.put(value, Boolean.TRUE) != null) {
            return;
        }
        if (value instanceof Map<?, ?> map) {
            map.forEach((k, v) -> rejectAdditionalProperties(v, path + "." + k, seen));
            return;
        }
        if (value instanceof Collection<?> items) {
            int i = 0;
            for (Object item : items) {
                rejectAdditionalProperties(item, path + "[" + i++ + "]", seen);
            }
            return;
        }
        Class<?> type = value.getClass();
        if (type.isRecord()) {
            for (RecordComponent component : type.getRecordComponents()) {
                rejectAdditionalProperties(invoke(component.getAccessor(), value), path + "." + component.getName(), seen);
            }
            return;
        }
        if (!type.getName().startsWith("io.fabric8.") && !type.getName().startsWith("io.strimzi.")) {
            return;
        }
        for (Method getter : type.getMethods()) {
            if (getter.getParameterCount() != 0 || Modifier.isStatic(getter.getModifiers())
                    || getter.getDeclaringClass() == Object.class) {
                continue;
            }
            String name = getter.getName();
            if (name.equals("getAdditionalProperties")) {
                Object extra = invoke(getter, value);
                if (extra instanceof Map<?, ?> map && !map.isEmpty()) {
                    throw new AssertionError(path + " has fields " + map.keySet() + " that " + type.getSimpleName()
                            + " does not define");
                }
            } else if (name.startsWith("get") && name.length() > 3) {
                rejectAdditionalProperties(invoke(getter, value), path + "." + decapitalize(name.substring(3)), seen);
            }
        }
    }

    private static Object invoke(Method method, Object target) {
        try {
            method.setAccessible(true);
            return method.invoke(target);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    private static String decapitalize(String name) {
        return Character.toLowerCase(name.charAt(0)) + name.substring(1);
    }

    static List<String> keys(Map<String, ?> map) {
        return map == null ? List.of() : List.copyOf(map.keySet());
    }
}
