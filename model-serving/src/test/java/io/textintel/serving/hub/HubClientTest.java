package io.textintel.serving.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.textintel.serving.tools.TinyBertSpec;
import io.textintel.serving.tools.TinyModelGenerator;
import io.textintel.serving.weights.CheckpointWeights;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HubClientTest {

    private static final String MODEL = "acme/tiny-bert";
    private static final String COMMIT_A = "a".repeat(40);
    private static final String COMMIT_B = "b".repeat(40);

    @TempDir
    static Path models;

    @TempDir
    Path cache;

    private static Path modelA;
    private static Path modelB;
    private FakeHub hub;

    @BeforeAll
    static void generate() throws IOException {
        modelA = TinyModelGenerator.writeBertEmbedder(models.resolve("a"), TinyBertSpec.small().withSeed(1));
        modelB = TinyModelGenerator.writeBertEmbedder(models.resolve("b"), TinyBertSpec.small().withSeed(2));
    }

    @BeforeEach
    void startHub() throws IOException {
        hub = new FakeHub();
        hub.publish(MODEL, "main", COMMIT_A, modelA, null);
    }

    @AfterEach
    void stopHub() {
        hub.close();
    }

    private HubClient client(boolean offline, String token) {
        return HubClient.builder(Map.of()).endpoint(hub.endpoint()).cacheDir(cache).offline(offline).token(token)
                .connectTimeout(Duration.ofSeconds(2)).build();
    }

    private long requestsFor(String fragment) {
        return hub.requests.stream().filter(request -> request.path().contains(fragment)).count();
    }

    @Test
    void downloadsTheNeededFilesOfACommit() throws IOException {
        try (HubClient client = client(false, null)) {
            Path snapshot = client.resolve(MODEL, "main");
            assertThat(snapshot).isEqualTo(cache.resolve("models--acme--tiny-bert/snapshots/" + COMMIT_A));
            for (String file : List.of("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
                    "vocab.txt", "modules.json", "1_Pooling/config.json", "config_sentence_transformers.json")) {
                assertThat(Files.readAllBytes(snapshot.resolve(file))).as(file)
                        .isEqualTo(Files.readAllBytes(modelA.resolve(file)));
            }
            assertThat(snapshot.resolve("pytorch_model.bin")).doesNotExist();
            assertThat(snapshot.resolve("README.md")).doesNotExist();
            assertThat(Files.readString(cache.resolve("models--acme--tiny-bert/refs/main"))).isEqualTo(COMMIT_A);
            assertThat(requestsFor("/cdn/")).as("safetensors follow the CDN redirect").isEqualTo(1);
            try (CheckpointWeights weights = CheckpointWeights.open(snapshot)) {
                assertThat(weights.contains("pooler.dense.weight")).isTrue();
            }
            try (var listing = Files.walk(snapshot)) {
                assertThat(listing).noneMatch(path -> path.toString().endsWith(".incomplete"));
            }
        }
    }

    @Test
    void servesCachedFilesWithoutDownloadingAgain() throws IOException {
        try (HubClient client = client(false, null)) {
            Path first = client.resolve(MODEL, "main");
            long downloads = requestsFor("/resolve/");
            Path second = client.resolve(MODEL, "main");
            assertThat(second).isEqualTo(first);
            assertThat(requestsFor("/resolve/")).isEqualTo(downloads);
        }
    }

    @Test
    void usesTheCacheWhenOfflineOrWhenTheHubIsGone() throws IOException {
        try (HubClient online = client(false, null)) {
            online.resolve(MODEL, "main");
        }
        int before = hub.requests.size();
        try (HubClient offline = client(true, null)) {
            assertThat(offline.resolve(MODEL, "main")).isDirectory();
            assertThat(offline.resolve(MODEL, COMMIT_A)).isDirectory();
        }
        assertThat(hub.requests).hasSize(before); // offline never asks the hub
        hub.close();
        try (HubClient unreachable = client(false, null)) {
            Path snapshot = unreachable.resolve(MODEL, "main");
            assertThat(snapshot.resolve("config.json")).isRegularFile();
        }
    }

    @Test
    void explainsAModelMissingFromTheCacheWhenOffline() {
        try (HubClient offline = client(true, null)) {
            assertThatThrownBy(() -> offline.resolve(MODEL, "main"))
                    .isInstanceOfSatisfying(HubException.class,
                            e -> assertThat(e.kind()).isEqualTo(HubException.Kind.NOT_CACHED))
                    .hasMessageContaining(MODEL)
                    .hasMessageContaining("revision main")
                    .hasMessageContaining(cache.toString())
                    .hasMessageContaining("HF_HUB_OFFLINE");
        }
        assertThat(hub.requests).isEmpty();
    }

    @Test
    void explainsAModelMissingFromTheCacheWhenTheHubIsUnreachable() {
        URI endpoint = hub.endpoint();
        hub.close();
        try (HubClient client = client(false, null)) {
            assertThatThrownBy(() -> client.resolve(MODEL, "v2"))
                    .isInstanceOfSatisfying(HubException.class,
                            e -> assertThat(e.kind()).isEqualTo(HubException.Kind.NOT_CACHED))
                    .hasMessageContaining("cannot be reached")
                    .hasMessageContaining(endpoint.toString());
        }
    }

    @Test
    void sendsTheTokenToGatedModels() throws IOException {
        hub.publish("acme/gated", "main", COMMIT_B, modelB, "secret");
        try (HubClient anonymous = client(false, null)) {
            assertThatThrownBy(() -> anonymous.resolve("acme/gated", "main"))
                    .isInstanceOfSatisfying(HubException.class,
                            e -> assertThat(e.kind()).isEqualTo(HubException.Kind.UNAUTHORIZED))
                    .hasMessageContaining("HF_TOKEN");
        }
        assertThat(cache.resolve("models--acme--gated/refs/main")).doesNotExist();
        hub.requests.clear();
        try (HubClient authorized = client(false, "secret")) {
            Path snapshot = authorized.resolve("acme/gated", "main");
            assertThat(snapshot.resolve("model.safetensors")).isRegularFile();
        }
        assertThat(hub.requests)
                .filteredOn(request -> !request.path().startsWith("/cdn/"))
                .isNotEmpty()
                .allSatisfy(request -> assertThat(request.authorization()).isEqualTo("Bearer secret"));
    }

    @Test
    void pinsEachRevisionToItsOwnSnapshot() throws IOException {
        hub.publish(MODEL, "v1", COMMIT_B, modelB, null);
        try (HubClient client = client(false, null)) {
            Path main = client.resolve(MODEL, "main");
            Path v1 = client.resolve(MODEL, "v1");
            assertThat(main.getFileName().toString()).isEqualTo(COMMIT_A);
            assertThat(v1.getFileName().toString()).isEqualTo(COMMIT_B);
            assertThat(Files.readAllBytes(v1.resolve("model.safetensors")))
                    .isEqualTo(Files.readAllBytes(modelB.resolve("model.safetensors")))
                    .isNotEqualTo(Files.readAllBytes(main.resolve("model.safetensors")));
            assertThat(Files.readString(cache.resolve("models--acme--tiny-bert/refs/v1"))).isEqualTo(COMMIT_B);
            assertThat(client.resolve(MODEL, COMMIT_B)).isEqualTo(v1);
        }
    }

    @Test
    void reportsAnUnknownRevision() {
        try (HubClient client = client(false, null)) {
            assertThatThrownBy(() -> client.resolve(MODEL, "no-such-branch"))
                    .isInstanceOfSatisfying(HubException.class,
                            e -> assertThat(e.kind()).isEqualTo(HubException.Kind.NOT_FOUND))
                    .hasMessageContaining("no-such-branch")
                    .hasMessageContaining("404");
        }
    }

    @Test
    void rejectsADownloadOfTheWrongSize() {
        hub.truncateDownloadsBy = 5;
        try (HubClient client = client(false, null)) {
            assertThatThrownBy(() -> client.resolve(MODEL, "main", List.of("config.json")))
                    .isInstanceOfSatisfying(HubException.class,
                            e -> assertThat(e.kind()).isEqualTo(HubException.Kind.TRANSFER))
                    .hasMessageContaining("config.json")
                    .hasMessageContaining("expected");
        }
        assertThat(cache.resolve("models--acme--tiny-bert/snapshots/" + COMMIT_A + "/config.json")).doesNotExist();
        assertThat(cache.resolve("models--acme--tiny-bert/refs/main")).doesNotExist();
    }

    @Test
    void reportsARepositoryWithoutTheRequestedFiles() {
        try (HubClient client = client(false, null)) {
            assertThatThrownBy(() -> client.resolve(MODEL, "main", List.of("*.gguf")))
                    .isInstanceOfSatisfying(HubException.class,
                            e -> assertThat(e.kind()).isEqualTo(HubException.Kind.NOT_FOUND))
                    .hasMessageContaining("*.gguf")
                    .hasMessageContaining("pytorch_model.bin");
        }
    }

    @Test
    void returnsALocalModelDirectoryAsItIs() throws IOException {
        try (HubClient client = client(true, null)) {
            assertThat(client.resolve(modelA.toString(), null)).isEqualTo(modelA);
            assertThatThrownBy(() -> client.resolve(models.toString(), null))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("config.json");
            assertThatThrownBy(() -> client.resolve("acme/../etc", "main"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("model id");
        }
    }

    @Test
    void readsTheEnvironment() {
        try (HubClient client = HubClient.builder(Map.of("HF_ENDPOINT", "http://mirror.example:8080/",
                "HF_HUB_OFFLINE", "1", "HF_HUB_CACHE", cache.toString())).build()) {
            assertThat(client.toString()).contains("http://mirror.example:8080]".replace("]", ","))
                    .contains(cache.toString()).contains("offline");
        }
        assertThatThrownBy(() -> HubClient.builder(Map.of("HF_ENDPOINT", "ftp://x")).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ftp://x");
    }
}
