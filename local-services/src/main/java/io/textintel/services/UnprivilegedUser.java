package io.textintel.services;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import com.sun.security.auth.module.UnixSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A system account without login or home that runs servers which refuse to run as root
 * (Elasticsearch), used when this JVM itself runs as root (as CI containers do).
 */
final class UnprivilegedUser {

    private static final Logger LOG = LoggerFactory.getLogger(UnprivilegedUser.class);

    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);

    private final String name;

    private UnprivilegedUser(String name) {
        this.name = name;
    }

    /** Whether this JVM runs with user id 0. */
    static boolean currentUserIsRoot() {
        return new UnixSystem().getUid() == 0;
    }

    /**
     * Returns the system user {@code name}, creating it with {@code useradd --system} if it does
     * not exist yet.
     *
     * @throws IllegalStateException when it neither exists nor can be created
     */
    static UnprivilegedUser ensure(String name) throws IOException {
        if (!name.matches("[a-z_][a-z0-9_-]{0,30}")) {
            throw new IllegalArgumentException("User name '" + name + "' is not a valid system user name");
        }
        if (exists(name)) {
            return new UnprivilegedUser(name);
        }
        ChildProcess.Completed added = ChildProcess.run(
                List.of("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name),
                null, COMMAND_TIMEOUT);
        // Another JVM may have created it between our check and useradd; only its absence is an error.
        if (!exists(name)) {
            throw new IllegalStateException(String.format(
                    "Cannot create system user %s to run Elasticsearch (it refuses to run as root): "
                            + "useradd exited with %d, expected 0; output: %s",
                    name, added.exitCode(), added.output().strip()));
        }
        if (added.exitCode() == 0) {
            LOG.info("Created system user {} to run Elasticsearch, which refuses to run as root", name);
        }
        return new UnprivilegedUser(name);
    }

    private static boolean exists(String name) throws IOException {
        return ChildProcess.run(List.of("id", "-u", name), null, COMMAND_TIMEOUT).exitCode() == 0;
    }

    String name() {
        return name;
    }

    /** The command prefix that runs what follows it as this user. */
    List<String> commandPrefix() {
        return List.of("runuser", "-u", name, "--");
    }

    /**
     * Whether this user can read every file under each of {@code trees} and enter every folder on
     * the way to them and below them.
     */
    boolean canReadTrees(List<Path> trees) throws IOException {
        List<String> command = new ArrayList<>(commandPrefix());
        command.add("find");
        trees.forEach(tree -> command.add(tree.toString()));
        command.addAll(List.of(
                "(", "!", "-readable", "-o", "-type", "d", "!", "-executable", ")", "-print", "-quit"));
        ChildProcess.Completed result = ChildProcess.run(command, null, COMMAND_TIMEOUT);
        if (result.exitCode() != 0 || !result.output().isBlank()) {
            LOG.debug("User {} cannot read all of {}: exit {}, {}", name, trees, result.exitCode(),
                    result.output().strip());
            return false;
        }
        return true;
    }

    /** Whether this user may execute {@code file}, including entering every folder on its path. */
    boolean canExecute(Path file) throws IOException {
        return test("-x", file);
    }

    /** Whether this user may create files in {@code dir}, including entering every folder on its path. */
    boolean canWrite(Path dir) throws IOException {
        return test("-w", dir) && test("-x", dir);
    }

    private boolean test(String flag, Path path) throws IOException {
        List<String> command = new ArrayList<>(commandPrefix());
        command.addAll(List.of("test", flag, path.toString()));
        return ChildProcess.run(command, null, COMMAND_TIMEOUT).exitCode() == 0;
    }

    /** Makes this user (and its primary group) the owner of {@code tree} and everything below it. */
    void takeOwnership(Path tree) throws IOException {
        UserPrincipalLookupService lookup = tree.getFileSystem().getUserPrincipalLookupService();
        UserPrincipal user = lookup.lookupPrincipalByName(name);
        GroupPrincipal group = lookup.lookupPrincipalByGroupName(name);
        try (Stream<Path> paths = Files.walk(tree)) {
            for (Path path : (Iterable<Path>) paths::iterator) {
                PosixFileAttributeView view =
                        Files.getFileAttributeView(path, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
                view.setOwner(user);
                view.setGroup(group);
            }
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
