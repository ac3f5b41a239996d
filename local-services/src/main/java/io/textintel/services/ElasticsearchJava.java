package io.textintel.services;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Finds the JDK a local Elasticsearch node runs on ({@code ES_JAVA_HOME}). The integ-test zips ship
 * no JDK; Elasticsearch 8 runs on Java 17, Elasticsearch 9 needs Java 21 or newer.
 *
 * <p>In this order: the system property {@value #PROPERTY}, else the environment variable
 * {@value #ENV}, else the running JVM when it is new enough, else the newest JDK under
 * {@value #SEARCH_ROOT} that is new enough (read from each JDK's {@code release} file). A JDK named
 * by the property or the variable must be new enough too: it is never silently replaced.
 */
public final class ElasticsearchJava {

    /** System property naming the JDK home to run Elasticsearch on. */
    public static final String PROPERTY = "textintel.elasticsearch.java-home";

    /** Environment variable naming the JDK home, read when the property is not set. */
    public static final String ENV = "TEXTINTEL_ES_JAVA_HOME";

    /** The folder searched for installed JDKs when neither is set and the running JVM is too old. */
    public static final String SEARCH_ROOT = "/usr/lib/jvm";

    private static final Pattern JAVA_VERSION = Pattern.compile("^JAVA_VERSION=\"?(\\d+)", Pattern.MULTILINE);

    private ElasticsearchJava() {
    }

    /** The Java feature version Elasticsearch {@code elasticsearchMajor}.x needs at least. */
    public static int minimumFeature(int elasticsearchMajor) {
        return elasticsearchMajor >= 9 ? 21 : 17;
    }

    /**
     * The JDK home to run a node of {@code elasticsearchVersion} on.
     *
     * @throws IllegalStateException naming every place looked at when none is new enough
     */
    public static Path homeFor(String elasticsearchVersion) {
        return homeFor(elasticsearchVersion, System.getProperty(PROPERTY), System.getenv(ENV),
                Path.of(System.getProperty("java.home")), Runtime.version().feature(), Path.of(SEARCH_ROOT));
    }

    static Path homeFor(String elasticsearchVersion, String property, String env, Path runningHome,
            int runningFeature, Path searchRoot) {
        int required = minimumFeature(Integer.parseInt(elasticsearchVersion.split("\\.")[0]));
        if (property != null && !property.isBlank()) {
            return checked(Path.of(property.strip()), "system property " + PROPERTY, elasticsearchVersion, required);
        }
        if (env != null && !env.isBlank()) {
            return checked(Path.of(env.strip()), "environment variable " + ENV, elasticsearchVersion, required);
        }
        if (runningFeature >= required) {
            return runningHome;
        }
        Map<Path, Integer> installed = installedJdks(searchRoot);
        Optional<Path> newest = installed.entrySet().stream()
                .filter(e -> e.getValue() >= required)
                .max(Map.Entry.<Path, Integer>comparingByValue().thenComparing(Map.Entry.comparingByKey()))
                .map(Map.Entry::getKey);
        return newest.orElseThrow(() -> new IllegalStateException(String.format(
                "Elasticsearch %s needs Java %d or newer, but the running JVM (%s) is Java %d, system property %s "
                        + "and environment variable %s are not set, and %s holds %s; install a JDK %d+ there "
                        + "or name one with -D%s=<jdk home>",
                elasticsearchVersion, required, runningHome, runningFeature, PROPERTY, ENV, searchRoot,
                installed.isEmpty() ? "no JDK" : "only " + installed, required, PROPERTY)));
    }

    private static Path checked(Path home, String source, String elasticsearchVersion, int required) {
        Optional<Integer> feature = featureOf(home);
        if (feature.isEmpty()) {
            throw new IllegalStateException(String.format(
                    "%s names %s, expected a JDK home with bin/java and a release file", source, home));
        }
        if (feature.get() < required) {
            throw new IllegalStateException(String.format(
                    "%s names %s, a Java %d; Elasticsearch %s needs Java %d or newer",
                    source, home, feature.get(), elasticsearchVersion, required));
        }
        return home;
    }

    /** JDK homes directly under {@code root} with their Java feature version, in name order. */
    static Map<Path, Integer> installedJdks(Path root) {
        Map<Path, Integer> jdks = new LinkedHashMap<>();
        if (!Files.isDirectory(root)) {
            return jdks;
        }
        try (Stream<Path> children = Files.list(root)) {
            children.sorted(Comparator.naturalOrder())
                    // Debian's java-1.17.0-openjdk-amd64 is a link to java-17-openjdk-amd64: one JDK, listed once.
                    .filter(p -> !Files.isSymbolicLink(p))
                    .forEach(p -> featureOf(p).ifPresent(f -> jdks.put(p, f)));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list " + root, e);
        }
        return jdks;
    }

    /** The feature version in {@code home/release}, when {@code home} holds {@code bin/java} and that file. */
    static Optional<Integer> featureOf(Path home) {
        Path release = home.resolve("release");
        if (!Files.isRegularFile(home.resolve("bin").resolve("java")) || !Files.isRegularFile(release)) {
            return Optional.empty();
        }
        try {
            Matcher m = JAVA_VERSION.matcher(Files.readString(release, StandardCharsets.UTF_8));
            if (!m.find()) {
                return Optional.empty();
            }
            int first = Integer.parseInt(m.group(1));
            // Java 8 and older write JAVA_VERSION="1.8.0_...".
            return Optional.of(first == 1 ? 8 : first);
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
