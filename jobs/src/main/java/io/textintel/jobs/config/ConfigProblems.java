package io.textintel.jobs.config;

import java.util.ArrayList;
import java.util.List;

/** Collects every problem of a configuration so that one run reports them all, each naming its key. */
final class ConfigProblems {

    private final List<String> problems = new ArrayList<>();

    void add(String key, String what, String expected) {
        problems.add(key + " " + what + ", expected " + expected);
    }

    /** A problem that a component's own validation described, e.g. {@code "expectedRunTime is 0, expected ..."}. */
    void add(String section, String message) {
        problems.add(section + ": " + message);
    }

    void requireText(String key, String value, String expected) {
        if (value == null || value.isBlank()) {
            add(key, value == null ? "is missing" : "is blank", expected);
        }
    }

    void requireOneOf(String key, String value, List<String> allowed) {
        if (value != null && !allowed.contains(value)) {
            add(key, "is '" + value + "'", "one of " + String.join(", ", allowed));
        }
    }

    void requireAtLeast(String key, Integer value, int min) {
        if (value != null && value < min) {
            add(key, "is " + value, min + " or more");
        }
    }

    /** How many problems were found so far. */
    int count() {
        return problems.size();
    }

    /** Throws a {@link ConfigException} listing all problems, if there are any. */
    void throwIfAny(String source) {
        if (!problems.isEmpty()) {
            throw new ConfigException(source, problems);
        }
    }
}
