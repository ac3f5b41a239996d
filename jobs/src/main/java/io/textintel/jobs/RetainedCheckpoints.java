package io.textintel.jobs;

import io.textintel.jobs.config.PipelineConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The retained checkpoints of a job in its checkpoint directory, and the one to restore from.
 *
 * <p>Flink writes each completed checkpoint as {@code DIRECTORY/<flink job id>/chk-N/_metadata}; a
 * folder {@code chk-N} without {@code _metadata} is a checkpoint that was still being written when the
 * job stopped and cannot be restored. Every run of a job gets a new Flink job id, so the newest
 * checkpoint of the job is the newest {@code _metadata} over all job-id folders.
 */
public final class RetainedCheckpoints {

    /** The {@code --from-checkpoint} value that picks the newest completed checkpoint. */
    public static final String LATEST = "latest";

    private static final String METADATA = "_metadata";
    private static final Pattern CHECKPOINT_FOLDER = Pattern.compile("chk-(\\d+)");
    private static final Pattern UNSAFE_NAME_CHARACTERS = Pattern.compile("[^A-Za-z0-9._-]");

    private RetainedCheckpoints() {}

    /** One completed checkpoint: its folder, its number and when its metadata was written. */
    public record Checkpoint(Path folder, long id, FileTime completed) {}

    /**
     * The checkpoint directory of {@code config}: {@code checkpointing.directory} when set, else
     * {@code ~/.cache/textintel/checkpoints/<job-name>} (as a {@code file:} URI).
     */
    public static String directory(PipelineConfig config) {
        String configured = config.checkpointing().directory();
        if (configured != null) {
            return configured;
        }
        String name = UNSAFE_NAME_CHARACTERS.matcher(config.jobName()).replaceAll("_");
        return Path.of(System.getProperty("user.home"), ".cache", "textintel", "checkpoints", name)
                .toAbsolutePath().toUri().toString();
    }

    /**
     * The folder to restore from for {@code --from-checkpoint spec}: for {@value #LATEST} the newest
     * completed checkpoint under {@code directory}, otherwise {@code spec} itself, a checkpoint or
     * savepoint folder (or its {@code _metadata} file).
     *
     * @throws IllegalArgumentException when there is no such checkpoint, with what was looked for and where
     */
    public static Checkpoint resolve(String spec, String directory) {
        if (spec.equals(LATEST)) {
            Path root = localPath(directory).orElseThrow(() -> new IllegalArgumentException(
                    "--from-checkpoint latest needs a checkpoint directory on the local file system, but"
                            + " checkpointing.directory is " + directory + "; pass the checkpoint's path instead"));
            return latest(root).orElseThrow(() -> new IllegalArgumentException(
                    "--from-checkpoint latest: no completed checkpoint (chk-N/_metadata) under " + root
                            + "; start without --from-checkpoint, or pass a checkpoint or savepoint path"));
        }
        Path given = localPath(spec).orElseThrow(() -> new IllegalArgumentException(
                "--from-checkpoint " + spec + " is not a local path; expected 'latest' or a checkpoint or"
                        + " savepoint folder"));
        Path folder = given.getFileName() != null && given.getFileName().toString().equals(METADATA)
                ? given.getParent() : given;
        Path metadata = folder.resolve(METADATA);
        if (!Files.isRegularFile(metadata)) {
            throw new IllegalArgumentException("--from-checkpoint " + spec + ": " + metadata
                    + " does not exist; expected a completed checkpoint (chk-N) or savepoint folder");
        }
        Matcher number = CHECKPOINT_FOLDER.matcher(folder.getFileName().toString());
        return new Checkpoint(folder, number.matches() ? Long.parseLong(number.group(1)) : -1,
                lastModified(metadata));
    }

    /** The newest completed checkpoint under {@code root}, looking in {@code root} and its job-id folders. */
    public static Optional<Checkpoint> latest(Path root) {
        return all(root).stream().max(Comparator.comparing(Checkpoint::completed).thenComparing(Checkpoint::id));
    }

    /** Every completed checkpoint under {@code root} and its job-id folders, in no particular order. */
    public static List<Checkpoint> all(Path root) {
        List<Checkpoint> found = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return found;
        }
        try (Stream<Path> candidates = Stream.concat(Stream.of(root), children(root).filter(Files::isDirectory))) {
            candidates.forEach(parent -> children(parent).forEach(folder -> {
                Matcher number = CHECKPOINT_FOLDER.matcher(folder.getFileName().toString());
                Path metadata = folder.resolve(METADATA);
                if (number.matches()) {
                    try {
                        found.add(new Checkpoint(folder, Long.parseLong(number.group(1)),
                                Files.getLastModifiedTime(metadata)));
                    } catch (IOException e) {
                        // No _metadata: still being written, or deleted as subsumed while we looked.
                    }
                }
            }));
        }
        return found;
    }

    /** {@code location} as a local path when it is one: a plain path or a {@code file:} URI. */
    static Optional<Path> localPath(String location) {
        if (location.startsWith("file:")) {
            return Optional.of(Path.of(URI.create(location)));
        }
        if (location.matches("^[A-Za-z][A-Za-z0-9+.-]+://.*")) {
            return Optional.empty();
        }
        return Optional.of(Path.of(location).toAbsolutePath());
    }

    private static Stream<Path> children(Path folder) {
        try (Stream<Path> listing = Files.list(folder)) {
            return listing.toList().stream();
        } catch (IOException e) {
            // A folder that vanished while listing holds no checkpoint (Flink deletes subsumed ones).
            return Stream.empty();
        }
    }

    private static FileTime lastModified(Path file) {
        try {
            return Files.getLastModifiedTime(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the time of " + file, e);
        }
    }
}
