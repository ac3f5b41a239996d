package io.textintel.deployment;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Checks the image build files in k8s/image against the build output and the pom, without a Docker engine:
 * every file copied from the build context exists after {@code package}, the base image is the official
 * Flink image of the pom's {@code flink.version} on Java 17, the entry point is the official image's, and
 * the plugin files named are where Flink's distribution puts them.
 */
class ImageBuildFilesTest {

    private static final Path ROOT = Path.of(System.getProperty("textintel.root", "..")).toAbsolutePath().normalize();
    private static final String FLINK_VERSION = System.getProperty("flink.version");

    /**
     * The files of flink-dist's {@code src/main/assemblies/plugins.xml} the images rely on: the official
     * image unpacks that distribution into /opt/flink.
     */
    private static Set<String> documentedPluginFiles() {
        return Set.of(
                "/opt/flink/plugins/metrics-prometheus/flink-metrics-prometheus-" + FLINK_VERSION + ".jar",
                "/opt/flink/plugins/external-resource-gpu/flink-external-resource-gpu-" + FLINK_VERSION + ".jar",
                "/opt/flink/plugins/external-resource-gpu/gpu-discovery-common.sh",
                "/opt/flink/plugins/external-resource-gpu/nvidia-gpu-discovery.sh");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Dockerfile", "Dockerfile.gpu"})
    void buildFileIsConsistentWithThePomAndTheBuildOutput(String name) throws Exception {
        Dockerfile docker = Dockerfile.read(ROOT.resolve("k8s/image").resolve(name));
        assertThat(FLINK_VERSION).as("flink.version from the pom").isNotBlank();

        assertThat(docker.finalBase()).as("final base image of %s", name)
                .isEqualTo("flink:" + FLINK_VERSION + "-scala_2.12-java17");

        Set<String> stages = new HashSet<>();
        for (Dockerfile.Instruction from : docker.all("FROM")) {
            String[] words = from.arguments().split("\\s+");
            if (words.length == 3 && words[1].equalsIgnoreCase("AS")) {
                stages.add(words[2]);
            }
        }
        int copied = 0;
        for (Dockerfile.Instruction copy : docker.instructions()) {
            if (!copy.keyword().equals("COPY") && !copy.keyword().equals("ADD")) {
                continue;
            }
            List<String> words = new ArrayList<>(List.of(copy.arguments().split("\\s+")));
            String stage = null;
            while (words.get(0).startsWith("--")) {
                String flag = words.remove(0);
                if (flag.startsWith("--from=")) {
                    stage = flag.substring("--from=".length());
                }
            }
            List<String> sources = words.subList(0, words.size() - 1);
            if (stage != null) {
                assertThat(stages).as("%s line %d copies from a stage", name, copy.line()).contains(stage);
                assertThat(sources).allSatisfy(source -> assertThat(source)
                        .matches("/usr/local/cuda-12\\.6/targets/x86_64-linux/lib/lib(cudart|cublas|cublasLt|nvrtc)\\.so\\.12"));
                continue;
            }
            for (String source : sources) {
                if (source.contains("*")) {
                    Path folder = ROOT.resolve(source).getParent();
                    try (var matches = Files.newDirectoryStream(folder, Path.of(source).getFileName().toString())) {
                        int before = copied;
                        for (Path match : matches) {
                            assertThat(match).isRegularFile();
                            copied++;
                        }
                        assertThat(copied).as("%s line %d: %s matches files in the build context (run package first)",
                                name, copy.line(), source).isGreaterThan(before);
                    }
                    continue;
                }
                assertThat(ROOT.resolve(source)).as("%s line %d: %s in the build context (run package first)",
                        name, copy.line(), source).isRegularFile();
                copied++;
            }
        }
        assertThat(copied).as("files copied from the build context").isGreaterThan(0);
        assertThat(docker.all("COPY")).anySatisfy(copy -> assertThat(copy.arguments())
                .endsWith("jobs/target/textintel-jobs.jar /opt/flink/usrlib/textintel-jobs.jar"));
        assertThat(docker.all("COPY")).as("native-carrying jars in Flink's lib/, loaded parent-first")
                .anySatisfy(copy -> assertThat(copy.arguments()).endsWith("jobs/target/native-lib/*.jar /opt/flink/lib/"));
        assertThat(docker.all("COPY")).as("no model weights in the image: the model volume holds them")
                .noneSatisfy(copy -> assertThat(copy.arguments()).containsAnyOf("model-lib", ".onnx", "langchain4j"));
        assertThat(docker.all("VOLUME")).as("the model volume that textintel models pull fills")
                .anySatisfy(volume -> assertThat(volume.arguments()).isEqualTo("/opt/textintel/models"));

        assertThat(docker.lastOfFinalStage("ENTRYPOINT").arguments()).isEqualTo("[\"/docker-entrypoint.sh\"]");
        assertThat(docker.lastOfFinalStage("CMD").arguments()).isEqualTo("[\"help\"]");
        assertThat(docker.lastOfFinalStage("USER").arguments()).as("the official image's non-root user").isEqualTo("flink");

        String run = String.join(" ", docker.all("RUN").stream().map(Dockerfile.Instruction::arguments).toList());
        assertThat(run).contains("-Denv.java.opts.taskmanager=--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED")
                .contains("-Dmetrics.reporter.prom.factory.class=org.apache.flink.metrics.prometheus.PrometheusReporterFactory")
                .contains("-Dmetrics.reporter.prom.port=9249");
        assertThat(docker.lastOfFinalStage("EXPOSE").arguments()).as("the port the Prometheus reporter listens on")
                .isEqualTo("9249");
        Matcher tested = Pattern.compile("test -[fx] (\\S+)").matcher(run);
        int plugins = 0;
        while (tested.find()) {
            assertThat(documentedPluginFiles()).as("%s tests for %s", name, tested.group(1)).contains(tested.group(1));
            plugins++;
        }
        assertThat(plugins).isGreaterThanOrEqualTo(name.endsWith(".gpu") ? 4 : 1);
        System.out.printf("%s: base %s, %d instructions, %d files from the build context, %d plugin files checked%n",
                name, docker.finalBase(), docker.instructions().size(), copied, plugins);
    }

    @Test
    void gpuImageCarriesTheCuda12LibrariesJcublasLoads() throws Exception {
        Dockerfile docker = Dockerfile.read(ROOT.resolve("k8s/image/Dockerfile.gpu"));
        String cudaBase = docker.all("FROM").get(0).arguments().split("\\s+")[0];
        // JCuda 12.6.0's JCublas2 is bound to libcublas.so.12 (symbol version libcublas.so.12), CUDA 12.6.
        assertThat(System.getProperty("jcuda.version")).startsWith("12.6");
        assertThat(cudaBase).startsWith("nvidia/cuda:12.6.").endsWith("-runtime-ubuntu22.04");
        String copies = String.join("\n", docker.all("COPY").stream().map(Dockerfile.Instruction::arguments).toList());
        assertThat(copies).contains("libcudart.so.12", "libcublas.so.12", "libcublasLt.so.12");
        assertThat(Files.readString(docker.file())).contains("LD_LIBRARY_PATH=/usr/local/cuda-12/lib");
    }
}
