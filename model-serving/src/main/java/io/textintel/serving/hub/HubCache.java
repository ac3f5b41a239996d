package io.textintel.serving.hub;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The on-disk layout of the Hugging Face hub cache, which huggingface_hub also reads:
 * {@code models--{org}--{name}/refs/{revision}} holds a commit sha, and
 * {@code models--{org}--{name}/snapshots/{sha}/...} the files of that commit (stored as plain
 * files rather than links into {@code blobs/}, as huggingface_hub does where links are unavailable).
 */
final class HubCache {

    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");

    private final Path root;

    HubCache(Path root) {
        this.root = root;
    }

    Path root() {
        return root;
    }

    Path repoDir(String modelId) {
        return root.resolve("models--" + modelId.replace("/", "--"));
    }

    Path snapshotDir(String modelId, String commit) {
        return repoDir(modelId).resolve("snapshots").resolve(commit);
    }

    static boolean isCommit(String revision) {
        return COMMIT.matcher(revision).matches();
    }

    /**
     * The snapshot for {@code revision} if a complete one is cached: a commit sha names its snapshot
     * directly; a branch or tag goes through its ref, which is written only after a complete download.
     */
    Optional<Path> cachedSnapshot(String modelId, String revision) throws IOException {
        String commit = revision;
        if (!isCommit(revision)) {
            Path ref = repoDir(modelId).resolve("refs").resolve(revision);
            if (!Files.isRegularFile(ref)) {
                return Optional.empty();
            }
            commit = Files.readString(ref, StandardCharsets.UTF_8).strip();
        }
        Path snapshot = snapshotDir(modelId, commit);
        return Files.isDirectory(snapshot) ? Optional.of(snapshot) : Optional.empty();
    }

    /** Points {@code revision} at {@code commit}, atomically. */
    void writeRef(String modelId, String revision, String commit) throws IOException {
        if (revision.equals(commit)) {
            return;
        }
        Path ref = repoDir(modelId).resolve("refs").resolve(revision);
        Files.createDirectories(ref.getParent());
        Path temp = ref.resolveSibling(ref.getFileName() + ".incomplete");
        Files.writeString(temp, commit, StandardCharsets.UTF_8);
        Files.move(temp, ref, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
