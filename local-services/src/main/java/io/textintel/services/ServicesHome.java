package io.textintel.services;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * The folder holding the server artifacts that {@link LocalKafka} and {@link LocalElasticsearch}
 * run: the Kafka broker's jars under {@code kafka/libs} and unpacked Elasticsearch distributions
 * under {@code elasticsearch-<version>} (8.19 and 9.x).
 *
 * <p>The build of the {@code local-services} module prepares it in
 * {@code local-services/target/services}. {@link #locate()} finds it through the system property
 * {@value #PROPERTY}, else the environment variable {@value #ENV}, else by searching upward from
 * the working directory for {@value #RELATIVE_PATH}.
 */
public final class ServicesHome {

    /** System property naming the services folder; it wins over everything else. */
    public static final String PROPERTY = "textintel.services.home";

    /** Environment variable naming the services folder, read when the property is not set. */
    public static final String ENV = "TEXTINTEL_SERVICES_HOME";

    /** Where the services folder lies relative to the repository root. */
    public static final String RELATIVE_PATH = "local-services/target/services";

    private static final String HOW_TO_PREPARE =
            "run './mvnw install -DskipTests' in the repository root to prepare it";

    private final Path root;

    private ServicesHome(Path root) {
        this.root = root;
    }

    /**
     * Finds the services folder from the system property, the environment, or the working
     * directory, in that order.
     *
     * @throws IllegalStateException naming every place searched when none holds the folder
     */
    public static ServicesHome locate() {
        return locate(System.getProperty(PROPERTY), System.getenv(), Path.of("").toAbsolutePath());
    }

    static ServicesHome locate(String property, Map<String, String> env, Path workingDirectory) {
        if (property != null && !property.isBlank()) {
            return at(Path.of(property), "system property " + PROPERTY);
        }
        String fromEnv = env.get(ENV);
        if (fromEnv != null && !fromEnv.isBlank()) {
            return at(Path.of(fromEnv), "environment variable " + ENV);
        }
        List<Path> searched = new ArrayList<>();
        for (Path dir = workingDirectory.toAbsolutePath().normalize(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(RELATIVE_PATH);
            if (Files.isDirectory(candidate)) {
                return new ServicesHome(candidate);
            }
            searched.add(candidate);
        }
        throw new IllegalStateException(String.format(
                "Services folder not found: system property %s and environment variable %s are not set, "
                        + "and none of %s exists; %s",
                PROPERTY, ENV, searched, HOW_TO_PREPARE));
    }

    /**
     * Uses the given folder as the services folder.
     *
     * @throws IllegalStateException when the folder does not exist
     */
    public static ServicesHome at(Path root) {
        return at(root, "argument");
    }

    private static ServicesHome at(Path root, String source) {
        Objects.requireNonNull(root, "root");
        Path absolute = root.toAbsolutePath().normalize();
        if (!Files.isDirectory(absolute)) {
            throw new IllegalStateException(String.format(
                    "Services folder %s (from %s) does not exist or is not a directory; %s",
                    absolute, source, HOW_TO_PREPARE));
        }
        return new ServicesHome(absolute);
    }

    /** The services folder itself. */
    public Path root() {
        return root;
    }

    /**
     * The folder of the Kafka broker's runtime jars, ready for a {@code libs/*} class path.
     *
     * @throws IllegalStateException when it holds no {@code kafka_*.jar}
     */
    public Path kafkaLibs() {
        Path libs = root.resolve("kafka").resolve("libs");
        if (!Files.isDirectory(libs) || listNames(libs).noneMatch(n -> n.startsWith("kafka_") && n.endsWith(".jar"))) {
            throw new IllegalStateException(String.format(
                    "Kafka broker jars not found: expected %s to hold kafka_<scala>-<version>.jar; %s",
                    libs, HOW_TO_PREPARE));
        }
        return libs;
    }

    /**
     * The unpacked Elasticsearch distribution of the version {@code version} names, the folder
     * holding {@code bin/elasticsearch}: {@code version} is a whole version ({@code 9.5.3}) or its
     * leading part ({@code 9}, {@code 8.19}).
     *
     * @throws IllegalStateException when no distribution, or more than one, has such a version
     */
    public Path elasticsearchHome(String version) {
        if (version == null || !version.matches("\\d+(\\.\\d+){0,2}")) {
            throw new IllegalArgumentException("Elasticsearch version is '" + version
                    + "', expected a version or its leading part, such as 9, 8.19 or 8.19.21");
        }
        List<Path> all = elasticsearchHomes();
        List<Path> matching = all.stream()
                .filter(p -> {
                    String found = p.getFileName().toString().substring("elasticsearch-".length());
                    return found.equals(version) || found.startsWith(version + ".");
                })
                .toList();
        if (matching.size() != 1) {
            throw new IllegalStateException(String.format(
                    "Expected exactly one Elasticsearch distribution (elasticsearch-<version>/bin/elasticsearch) "
                            + "of version %s in %s, found %s among %s; %s",
                    version, root, matching, all, HOW_TO_PREPARE));
        }
        return matching.get(0);
    }

    /** Every unpacked Elasticsearch distribution ({@code elasticsearch-<version>/bin/elasticsearch}), sorted. */
    public List<Path> elasticsearchHomes() {
        try (Stream<Path> children = Files.list(root)) {
            return children
                    .filter(p -> p.getFileName().toString().matches("elasticsearch-\\d+\\.\\d+\\.\\d+"))
                    .filter(p -> Files.isRegularFile(p.resolve("bin").resolve("elasticsearch")))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list services folder " + root, e);
        }
    }

    private static Stream<String> listNames(Path dir) {
        try (Stream<Path> children = Files.list(dir)) {
            return children.map(p -> p.getFileName().toString()).toList().stream();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list " + dir, e);
        }
    }

    @Override
    public String toString() {
        return "ServicesHome[" + root + "]";
    }
}
