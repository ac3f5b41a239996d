package io.textintel.serving.importer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Downloads from a Maven repository on a local HTTP server, checked against its {@code .jar.sha1}. */
class RemoteMavenRepositoryTest {

    private static final String GROUP = "org.example.models";
    private static final String ARTIFACT = "tiny-model";
    private static final String VERSION = "1.0";

    @TempDir
    Path dir;

    private TestMavenRepository server;

    @BeforeEach
    void start() throws IOException {
        server = new TestMavenRepository();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void downloadsTheJarInTheStandardLayoutAndKeepsItWhenItsSha1Matches() throws IOException {
        byte[] jar = TestMavenRepository.jar("model.onnx", "tokenizer.json");
        // sha1sum's format: the hash, two spaces, the file name
        server.put(GROUP, ARTIFACT, VERSION, jar, TestMavenRepository.sha1(jar) + "  tiny-model-1.0.jar\n");
        Path target = dir.resolve("repo").resolve(RemoteMavenRepository.layoutPath(GROUP, ARTIFACT, VERSION));

        Path downloaded = new RemoteMavenRepository(server.url(), null, null).download(GROUP, ARTIFACT, VERSION, target);

        assertThat(downloaded).isEqualTo(target);
        assertThat(Files.readAllBytes(target)).isEqualTo(jar);
        assertThat(server.requests).containsExactly(
                "/maven2/org/example/models/tiny-model/1.0/tiny-model-1.0.jar.sha1",
                "/maven2/org/example/models/tiny-model/1.0/tiny-model-1.0.jar");
        assertThat(siblings(target)).as("no temporary file left beside the jar").containsExactly(target);
    }

    @Test
    void aJarWhoseSha1IsNotThePublishedOneIsRefusedNamingTheUrlAndBothHashes() throws IOException {
        byte[] jar = TestMavenRepository.jar("model.onnx");
        String published = TestMavenRepository.sha1(TestMavenRepository.jar("other.onnx"));
        server.put(GROUP, ARTIFACT, VERSION, jar, published);
        Path target = dir.resolve("tiny-model-1.0.jar");
        RemoteMavenRepository repository = new RemoteMavenRepository(server.url(), null, null);

        assertThatThrownBy(() -> repository.download(GROUP, ARTIFACT, VERSION, target))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(server.url() + "/org/example/models/tiny-model/1.0/tiny-model-1.0.jar")
                .hasMessageContaining("has SHA-1 " + TestMavenRepository.sha1(jar))
                .hasMessageContaining("expected " + published)
                .hasMessageContaining("refused");
        assertThat(siblings(target)).as("neither the jar nor a temporary file is kept").isEmpty();
    }

    @Test
    void aMissingArtifactIsNamedWithItsUrlAndTheStatus() {
        RemoteMavenRepository repository = new RemoteMavenRepository(server.url(), null, null);

        assertThatThrownBy(() -> repository.download(GROUP, ARTIFACT, "9.9", dir.resolve("x.jar")))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("GET " + server.url() + "/org/example/models/tiny-model/9.9/tiny-model-9.9.jar.sha1")
                .hasMessageContaining("HTTP 404");
    }

    @Test
    void aSha1FileWithoutAHashIsRefused() throws IOException {
        server.put(GROUP, ARTIFACT, VERSION, TestMavenRepository.jar(), "<html>not found</html>");
        RemoteMavenRepository repository = new RemoteMavenRepository(server.url(), null, null);

        assertThatThrownBy(() -> repository.download(GROUP, ARTIFACT, VERSION, dir.resolve("x.jar")))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("tiny-model-1.0.jar.sha1 holds '<html>not found</html>'")
                .hasMessageContaining("expected a SHA-1 of 40 hex digits");
    }

    @Test
    void credentialsAreSentAsBasicAuthenticationAndAMissingOneIsNamedByItsStatus() throws IOException {
        byte[] jar = TestMavenRepository.jar("model.onnx");
        server.put(GROUP, ARTIFACT, VERSION, jar, TestMavenRepository.sha1(jar));
        server.requireBasicAuth("reader", "s3cret");

        assertThatThrownBy(() -> new RemoteMavenRepository(server.url(), null, null)
                .download(GROUP, ARTIFACT, VERSION, dir.resolve("anonymous.jar")))
                .isInstanceOf(IOException.class).hasMessageContaining("HTTP 401");
        Path target = new RemoteMavenRepository(server.url(), "reader", "s3cret")
                .download(GROUP, ARTIFACT, VERSION, dir.resolve("authenticated.jar"));
        assertThat(Files.readAllBytes(target)).isEqualTo(jar);
        assertThat(new RemoteMavenRepository(server.url(), "reader", "s3cret").toString())
                .doesNotContain("s3cret").contains("reader");
    }

    @Test
    void aRepositoryThatIsNotAnHttpUrlIsRefused() {
        assertThatThrownBy(() -> RemoteMavenRepository.of("ftp://mirror.example/maven2", null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'ftp://mirror.example/maven2' is not an absolute http(s) URL");
        assertThatThrownBy(() -> RemoteMavenRepository.of("https://mirror.example/maven2", "reader", null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("username but no password");
        assertThat(RemoteMavenRepository.of(null, null, null).url().toString()).isEqualTo(RemoteMavenRepository.CENTRAL);
        assertThat(RemoteMavenRepository.of("https://mirror.example/maven2/", null, null)
                .jarUrl("a.b", "c", "1").toString()).isEqualTo("https://mirror.example/maven2/a/b/c/1/c-1.jar");
    }

    private static java.util.List<Path> siblings(Path file) throws IOException {
        if (!Files.isDirectory(file.getParent())) {
            return java.util.List.of();
        }
        try (Stream<Path> files = Files.list(file.getParent())) {
            return files.toList();
        }
    }
}
