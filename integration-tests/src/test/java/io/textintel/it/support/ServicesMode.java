package io.textintel.it.support;

import java.util.Locale;

/**
 * Which servers {@link TestServices} runs: containers, local processes, or containers when a Docker
 * engine is available and local processes otherwise. Chosen by the system property
 * {@value #PROPERTY}.
 */
public enum ServicesMode {
    /** Testcontainers; fails when no Docker engine answers. */
    DOCKER,
    /** {@code LocalKafka} and {@code LocalElasticsearch} child processes. */
    LOCAL,
    /** Docker when available, else local processes. */
    AUTO;

    /** System property choosing the mode: {@code docker}, {@code local} or {@code auto} (the default). */
    public static final String PROPERTY = "textintel.it.services";

    /** The mode named by the system property, {@link #AUTO} when it is not set. */
    public static ServicesMode fromSystemProperty() {
        return parse(System.getProperty(PROPERTY));
    }

    /**
     * Parses {@code docker}, {@code local} or {@code auto} (any case); blank or null is
     * {@link #AUTO}.
     */
    public static ServicesMode parse(String value) {
        if (value == null || value.isBlank()) {
            return AUTO;
        }
        switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "docker":
                return DOCKER;
            case "local":
                return LOCAL;
            case "auto":
                return AUTO;
            default:
                throw new IllegalArgumentException(String.format(
                        "System property %s is '%s', expected one of docker, local, auto", PROPERTY, value));
        }
    }
}
