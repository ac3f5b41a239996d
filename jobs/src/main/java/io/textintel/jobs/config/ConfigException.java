package io.textintel.jobs.config;

import java.util.List;

/** A pipeline configuration that cannot be used; the message lists every bad key and what was expected. */
public final class ConfigException extends IllegalArgumentException {

    private final List<String> problems;

    public ConfigException(String source, List<String> problems) {
        super("invalid configuration " + source + ":\n  - " + String.join("\n  - ", problems));
        this.problems = List.copyOf(problems);
    }

    /** One line per problem, each naming the key. */
    public List<String> problems() {
        return problems;
    }
}
