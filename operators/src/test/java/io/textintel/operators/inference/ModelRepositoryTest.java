package io.textintel.operators.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.textintel.operators.TestModels;
import io.textintel.serving.hub.HubException;
import io.textintel.serving.importer.ShippedModels;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

class ModelRepositoryTest {

    private static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";

    @TempDir
    Path dir;

    @Test
    void aLocalDirectoryResolvesToItselfNormalisedWithoutARevision() throws IOException {
        Path model = TestModels.embedder(dir.resolve("embedder"));
        Files.createDirectories(dir.resolve("x"));
        ModelTask task = ModelTask.embed("embed", dir.resolve("x/../embedder").toString(), "v2");

        ModelRepository.ResolvedModel resolved = ModelRepository.defaults().resolve(task);

        assertThat(resolved.directory()).isEqualTo(model.toAbsolutePath().normalize());
        assertThat(resolved.revision()).isNull();
    }

    @Test
    void aLocalDirectoryWithoutConfigJsonIsNotACheckpoint() throws IOException {
        Path empty = Files.createDirectories(dir.resolve("empty"));

        assertThatThrownBy(() -> ModelRepository.defaults().resolve(ModelTask.embed("embed", empty.toString(), null)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("task 'embed'")
                .hasMessageContaining(empty.toAbsolutePath().toString())
                .hasMessageContaining("no config.json");
    }

    @Test
    void offlineAHubModelResolvesToItsCachedSnapshotAndReportsTheCommit() throws IOException {
        Path cache = dir.resolve("hub");
        Path repo = cache.resolve("models--org--embedder");
        Path snapshot = TestModels.embedder(repo.resolve("snapshots").resolve(COMMIT));
        Files.createDirectories(repo.resolve("refs"));
        Files.writeString(repo.resolve("refs/main"), COMMIT, StandardCharsets.UTF_8);

        ModelRepository.ResolvedModel resolved = ModelRepository.of(cache.toString(), true)
                .resolve(ModelTask.embed("embed", "org/embedder", null));

        assertThat(resolved.directory()).isEqualTo(snapshot);
        assertThat(resolved.revision()).isEqualTo(COMMIT);
    }

    @Test
    void offlineAModelMissingFromTheCacheFailsNamingTheModelAndTheCache() {
        Path cache = dir.resolve("empty-hub");
        ModelRepository offline = new ModelRepository("http://127.0.0.1:9", cache.toString(), true, null, null, null);

        assertThatThrownBy(() -> offline.resolve(ModelTask.embed("embed", "org/absent", "v1")))
                .isInstanceOfSatisfying(HubException.class,
                        e -> assertThat(e.kind()).isEqualTo(HubException.Kind.NOT_CACHED))
                .hasMessageContaining("org/absent")
                .hasMessageContaining("v1")
                .hasMessageContaining(cache.toString())
                .hasMessageContaining("task 'embed'")
                .hasMessageContaining("textintel models pull -c <config>");
    }

    @Test
    void theHubCacheDirIsTheConfiguredOne() {
        Path cache = dir.resolve("hub");

        assertThat(ModelRepository.of(cache.toString(), true).hubCacheDir()).isEqualTo(cache);
    }

    @Test
    void offlineIsFalseUnlessSaidSo() {
        assertThat(ModelRepository.defaults().offline()).isFalse();
        assertThat(ModelRepository.of(null, true).offline()).isTrue();
    }

    @Test
    void aShippedModelIsImportedOnceIntoTheCacheAndCarriesItsArtifactVersion() throws IOException {
        ModelRepository repository = ModelRepository.of(dir.resolve("cache").toString(), true);
        ModelRepository.ResolvedModel first = repository.resolve("embed", "maven:all-minilm-l6-v2", "main");
        assertThat(first.directory()).isEqualTo(dir.resolve("cache/shipped/all-minilm-l6-v2"));
        assertThat(first.directory().resolve("config.json")).isRegularFile();
        assertThat(first.directory().resolve("model.safetensors")).isRegularFile();
        assertThat(first.revision()).isEqualTo(ShippedModels.ALL_MINILM_L6_V2.version());
        long written = Files.getLastModifiedTime(first.directory().resolve("model.safetensors")).toMillis();
        assertThat(repository.resolve("embed", "maven:minilm", "main")).isEqualTo(first);
        assertThat(Files.getLastModifiedTime(first.directory().resolve("model.safetensors")).toMillis())
                .as("a second resolve reuses the import").isEqualTo(written);
    }

    @Test
    void anUnknownShippedModelNamesTheTaskAndTheCatalog() {
        assertThatThrownBy(() -> ModelRepository.defaults().resolve("tag", "maven:no-such-model", "main"))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("task 'tag'")
                .hasMessageContaining("no-such-model")
                .hasMessageContaining("all-minilm-l6-v2");
    }
}
