package io.textintel.services;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileRolesTest {

    @TempDir
    Path configDir;

    @Test
    void writesEachRoleAsOneLineInTheOrderGiven() throws Exception {
        Map<String, String> roles = new LinkedHashMap<>();
        roles.put("writer", "{\n  \"cluster\": [\"monitor\"]\n}");
        roles.put("reader", "{\"indices\": [{\"names\": [\"a-*\"], \"privileges\": [\"read\"]}]}");
        FileRoles fileRoles = new FileRoles(configDir, null, roles);

        fileRoles.write();

        assertThat(Files.readAllLines(configDir.resolve("roles.yml"))).containsExactly(
                "writer: {   \"cluster\": [\"monitor\"] }",
                "reader: {\"indices\": [{\"names\": [\"a-*\"], \"privileges\": [\"read\"]}]}");
    }

    @Test
    void putReplacesARoleInPlaceAndAddsANewOneLast() throws Exception {
        FileRoles fileRoles = new FileRoles(configDir, null, Map.of("writer", "{\"cluster\": [\"monitor\"]}"));
        fileRoles.write();

        fileRoles.put("other", "{\"cluster\": []}");
        fileRoles.put("writer", "{\"cluster\": [\"manage\"]}");

        assertThat(Files.readAllLines(configDir.resolve("roles.yml")))
                .containsExactly("writer: {\"cluster\": [\"manage\"]}", "other: {\"cluster\": []}");
        assertThat(filesIn(configDir)).as("no temporary file left beside roles.yml").containsExactly("roles.yml");
    }

    @Test
    void removeDropsTheRoleAndRefusesAnUnknownOne() throws Exception {
        Map<String, String> roles = new LinkedHashMap<>();
        roles.put("writer", "{\"cluster\": [\"monitor\"]}");
        roles.put("reader", "{\"cluster\": []}");
        FileRoles fileRoles = new FileRoles(configDir, null, roles);
        fileRoles.write();

        fileRoles.remove("writer");

        assertThat(Files.readAllLines(configDir.resolve("roles.yml"))).containsExactly("reader: {\"cluster\": []}");
        assertThatThrownBy(() -> fileRoles.remove("writer"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("No role writer").hasMessageContaining("[reader]");
        assertThat(Files.readAllLines(configDir.resolve("roles.yml"))).containsExactly("reader: {\"cluster\": []}");
    }

    @Test
    void replacingTheFileGivesItANewInodeSoAReaderHoldingTheOldOneSeesAWholeFile() throws Exception {
        FileRoles fileRoles = new FileRoles(configDir, null, Map.of("writer", "{\"cluster\": [\"monitor\"]}"));
        fileRoles.write();
        Object before = Files.readAttributes(configDir.resolve("roles.yml"),
                java.nio.file.attribute.BasicFileAttributes.class).fileKey();

        fileRoles.put("writer", "{\"cluster\": [\"manage\"]}");

        Object after = Files.readAttributes(configDir.resolve("roles.yml"),
                java.nio.file.attribute.BasicFileAttributes.class).fileKey();
        assertThat(after).as("file key (device and inode) after a rename over the old file").isNotEqualTo(before);
    }

    private static java.util.List<String> filesIn(Path dir) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(path -> path.getFileName().toString()).sorted().toList();
        }
    }
}
