package io.textintel.services;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ElasticsearchDistributionTest {

    @TempDir
    Path tmp;

    @Test
    void knowsWhichModulesItShips() throws Exception {
        Path home = fakeDistribution(tmp.resolve("elasticsearch-8.19.21"));

        ElasticsearchDistribution distribution = new ElasticsearchDistribution(home);

        assertThat(distribution.hasModule("x-pack-security")).isTrue();
        assertThat(distribution.hasModule("x-pack-ml")).isFalse();
        assertThat(distribution.executable()).isEqualTo(home.resolve("bin/elasticsearch"));
    }

    @Test
    void unreadableDistributionIsCopiedOnceForTheUnprivilegedUser() throws Exception {
        assumeTrue(UnprivilegedUser.currentUserIsRoot(),
                "only root runs Elasticsearch through another user; as any other user the distribution is used in place");
        UnprivilegedUser user = UnprivilegedUser.ensure(LocalElasticsearch.SYSTEM_USER);
        // @TempDir is private to root (rwx------), like a checkout under /root.
        Path home = fakeDistribution(tmp.resolve("elasticsearch-8.19.21"));
        Path cacheRoot = Files.createTempDirectory("textintel-es-cache-test-");
        try {
            Files.setPosixFilePermissions(cacheRoot, PosixFilePermissions.fromString("rwxr-xr-x"));

            ElasticsearchDistribution first = ElasticsearchDistribution.usableBy(user, home, cacheRoot);
            ElasticsearchDistribution second = ElasticsearchDistribution.usableBy(user, home, cacheRoot);

            assertThat(first.home()).startsWith(cacheRoot).isEqualTo(second.home());
            assertThat(first.executable()).isExecutable();
            assertThat(Files.getOwner(first.home().resolve("lib/server.jar")).getName()).isEqualTo(user.name());
            assertThat(user.canReadTrees(List.of(first.home().resolve("lib")))).isTrue();
            try (var entries = Files.list(cacheRoot)) {
                assertThat(entries.toList()).as("no staging folders left").containsExactly(first.home());
            }
        } finally {
            Directories.delete(cacheRoot);
        }
    }

    private static Path fakeDistribution(Path home) throws Exception {
        Files.createDirectories(home.resolve("bin"));
        Path script = Files.writeString(home.resolve("bin/elasticsearch"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createDirectories(home.resolve("lib"));
        Files.writeString(home.resolve("lib/server.jar"), "jar");
        Files.createDirectories(home.resolve("modules/x-pack-security"));
        Files.createDirectories(home.resolve("plugins"));
        Files.createDirectories(home.resolve("config"));
        return home;
    }
}
