package io.textintel.jobs.config;

import com.fasterxml.jackson.annotation.JsonCreator;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The {@code labels} of a tag task as configured: a list of names ({@code [billing, refund]}), or a
 * mapping of names to a description or a list of descriptions ({@code refund: [money back,
 * reimbursement]}); a name mapped to nothing ({@code praise: ~}) is described by itself.
 *
 * @param names the label names in configuration order, duplicates kept so that validation can name them
 * @param descriptions per name its descriptions, empty where none were given
 * @param mapping whether the labels were written as a mapping
 */
public record LabelSet(List<String> names, List<List<String>> descriptions, boolean mapping) {

    public LabelSet {
        names = List.copyOf(names);
        descriptions = List.copyOf(descriptions);
    }

    /** No labels. */
    public static LabelSet empty() {
        return new LabelSet(List.of(), List.of(), false);
    }

    /** Reads either shape; throws IllegalArgumentException naming the label whose value has another shape. */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static LabelSet of(Object value) {
        if (value == null) {
            return empty();
        }
        if (value instanceof List<?> list) {
            List<String> names = new ArrayList<>();
            List<List<String>> descriptions = new ArrayList<>();
            for (Object item : list) {
                if (item != null && !(item instanceof String)) {
                    throw new IllegalArgumentException("label " + item + " is a " + item.getClass().getSimpleName()
                            + ", expected a name");
                }
                names.add((String) item);
                descriptions.add(List.of());
            }
            return new LabelSet(names, descriptions, false);
        }
        if (value instanceof Map<?, ?> map) {
            List<String> names = new ArrayList<>();
            List<List<String>> descriptions = new ArrayList<>();
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                String name = String.valueOf(entry.getKey());
                names.add(name);
                descriptions.add(descriptionsOf(name, entry.getValue()));
            }
            return new LabelSet(names, descriptions, true);
        }
        throw new IllegalArgumentException("labels is " + value + ", expected a list of names or a mapping of"
                + " names to descriptions");
    }

    private static List<String> descriptionsOf(String name, Object value) {
        if (value == null) {
            return List.of();
        }
        if (value instanceof String text) {
            return List.of(text);
        }
        if (value instanceof List<?> list && list.stream().allMatch(String.class::isInstance)) {
            return list.stream().map(String.class::cast).toList();
        }
        throw new IllegalArgumentException("label '" + name + "' has description " + value
                + ", expected a description or a list of descriptions");
    }

    public boolean isEmpty() {
        return names.isEmpty();
    }

    /** Whether any label has a description of its own. */
    public boolean hasDescriptions() {
        return descriptions.stream().anyMatch(list -> !list.isEmpty());
    }
}
