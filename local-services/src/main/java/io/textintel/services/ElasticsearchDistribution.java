package io.textintel.services;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An unpacked Elasticsearch distribution ({@code bin/}, {@code config/}, {@code lib/},
 * {@code modules/}) and what it knows: settings of a module that is not there make the node refuse
 * to start, so settings are chosen by {@link #hasModule}.
 */
final class ElasticsearchDistribution {

    private static final Logger LOG = LoggerFactory.getLogger(ElasticsearchDistribution.class);

    /** Marks a completely copied distribution in the cache. */
    private static final String COMPLETE_MARKER = ".textintel-complete";

    private static final Pattern SERVER_JAR = Pattern.compile("elasticsearch-(\\d+\\.\\d+\\.\\d+)\\.jar");

    private final Path home;

    ElasticsearchDistribution(Path home) {
        this.home = home;
    }

    /**
     * The distribution at {@code home} if {@code user} can read it, else a copy of it in a cache
     * under {@code java.io.tmpdir} owned by {@code user}, made once and reused.
     */
    static ElasticsearchDistribution usableBy(UnprivilegedUser user, Path home) throws IOException {
        return usableBy(user, home, Path.of(System.getProperty("java.io.tmpdir"), "textintel-services"));
    }

    static ElasticsearchDistribution usableBy(UnprivilegedUser user, Path home, Path cacheRoot) throws IOException {
        if (user.canReadTrees(runtimeFolders(home))) {
            return new ElasticsearchDistribution(home);
        }
        Path cached = cacheRoot.resolve(home.getFileName().toString() + "-" + user.name());
        if (!Files.exists(cached.resolve(COMPLETE_MARKER))) {
            LOG.info("User {} cannot read {}; copying the distribution to {}", user, home, cached);
            Files.createDirectories(cacheRoot);
            Path staging = Files.createTempDirectory(cacheRoot, home.getFileName() + "-staging-");
            try {
                Directories.copy(home, staging);
                Files.createFile(staging.resolve(COMPLETE_MARKER));
                user.takeOwnership(staging);
                moveIntoPlace(staging, cached);
            } finally {
                Directories.delete(staging);
            }
        }
        if (!user.canReadTrees(runtimeFolders(cached))) {
            throw new IllegalStateException(String.format(
                    "User %s cannot read the Elasticsearch distribution at %s nor its copy at %s; "
                            + "expected %s and every folder above it to be readable by %s",
                    user, home, cached, cacheRoot, user));
        }
        return new ElasticsearchDistribution(cached);
    }

    /**
     * The folders the node reads at run time. {@code config/} is not among them: every node gets
     * its own copy, and the zip ships it readable by its owner only.
     */
    private static List<Path> runtimeFolders(Path home) {
        return List.of(home.resolve("bin"), home.resolve("lib"), home.resolve("modules"), home.resolve("plugins"));
    }

    private static void moveIntoPlace(Path staging, Path target) throws IOException {
        try {
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            if (Files.exists(target.resolve(COMPLETE_MARKER))) {
                // Another JVM finished the same copy first; its copy is as good as ours.
                LOG.debug("{} appeared while copying; using it", target);
                return;
            }
            throw new IOException(String.format(
                    "Cannot move the Elasticsearch copy %s to %s; if %s is left from an aborted copy, delete it",
                    staging, target, target), e);
        }
    }

    /** The folder holding {@code bin/elasticsearch}. */
    Path home() {
        return home;
    }

    /** The start script. */
    Path executable() {
        return home.resolve("bin").resolve("elasticsearch");
    }

    /** The distribution's default configuration folder. */
    Path config() {
        return home.resolve("config");
    }

    /**
     * The version, from the server jar {@code lib/elasticsearch-<version>.jar} (the folder name may be
     * a cache copy's).
     *
     * @throws IllegalStateException when {@code lib/} holds no such jar
     */
    String version() {
        try (Stream<Path> jars = Files.list(home.resolve("lib"))) {
            return jars.map(p -> SERVER_JAR.matcher(p.getFileName().toString()))
                    .filter(Matcher::matches)
                    .map(m -> m.group(1))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException("No server jar elasticsearch-<version>.jar in "
                            + home.resolve("lib") + ", expected an unpacked Elasticsearch distribution"));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list " + home.resolve("lib"), e);
        }
    }

    /** Whether the distribution ships module {@code name} (e.g. {@code x-pack-ml}). */
    boolean hasModule(String name) {
        return Files.isDirectory(home.resolve("modules").resolve(name));
    }

    @Override
    public String toString() {
        return home.toString();
    }
}
