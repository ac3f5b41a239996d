package io.textintel.services;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The roles of a node's file realm and the {@code roles.yml} that holds them. Each role is the JSON
 * body the role API takes, written as one YAML flow mapping (JSON is YAML).
 *
 * <p>The file is replaced atomically (written beside it, then renamed over it), so the node, which
 * re-reads {@code roles.yml} by itself when it changes, never reads half a file.
 */
final class FileRoles {

    static final String FILE_NAME = "roles.yml";

    private final Path file;
    private final UnprivilegedUser owner;
    private final Map<String, String> roles = new LinkedHashMap<>();

    /**
     * @param configDir the node's configuration folder
     * @param owner the account the node runs as, to own the file; {@code null} to leave it to this JVM's user
     */
    FileRoles(Path configDir, UnprivilegedUser owner, Map<String, String> roles) {
        this.file = configDir.resolve(FILE_NAME);
        this.owner = owner;
        roles.forEach((name, json) -> this.roles.put(name, json(json)));
    }

    Path file() {
        return file;
    }

    /** Adds or replaces a role and rewrites the file. */
    synchronized void put(String name, String json) throws IOException {
        roles.put(Objects.requireNonNull(name, "name"), json(json));
        write();
    }

    /**
     * Removes a role and rewrites the file.
     *
     * @throws IllegalArgumentException when there is no such role
     */
    synchronized void remove(String name) throws IOException {
        if (roles.remove(name) == null) {
            throw new IllegalArgumentException("No role " + name + " in " + file + ", expected one of " + roles.keySet());
        }
        write();
    }

    /** Writes the file with the roles as they are now. */
    synchronized void write() throws IOException {
        StringBuilder yaml = new StringBuilder();
        roles.forEach((name, json) -> yaml.append(name).append(": ").append(json).append('\n'));
        Path temporary = Files.createTempFile(file.getParent(), "." + FILE_NAME + "-", ".tmp");
        try {
            Files.writeString(temporary, yaml.toString(), StandardCharsets.UTF_8);
            if (owner != null) {
                owner.takeOwnership(temporary);
            }
            try {
                Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("Cannot replace " + file + " atomically", e);
            }
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    /** The role on one line; a line break would end the YAML entry. */
    private static String json(String json) {
        return Objects.requireNonNull(json, "json").replace('\r', ' ').replace('\n', ' ');
    }
}
