package io.textintel.serving.backend.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Tests of the decoder's committed PTX ({@code rotary}, {@code paged_attention}, {@code sampling}):
 * that each declares the kernels its launcher looks up by name, for sm_90, and that it is what the
 * sources in {@code src/main/cuda} compile to with the build's flags (where nvcc is installed).
 * Needs no GPU.
 */
class DecoderKernelPtxTest {

    private static final String PTX_RESOURCES = "/io/textintel/serving/backend/cuda/ptx/";
    private static final Path SOURCES = Path.of("src/main/cuda");

    /** The entry points of each family: the launchers' contract with the kernels. */
    private static final Map<String, List<String>> ENTRIES = Map.of(
            "rotary", List.of("rotary_embedding"),
            "paged_attention", List.of("kv_cache_write_bf16", "kv_cache_write_f32", "paged_attention_prefill_bf16",
                    "paged_attention_prefill_f32", "paged_attention_decode_bf16", "paged_attention_decode_f32",
                    "paged_attention_decode_reduce"),
            "sampling", List.of("suppress_tokens", "argmax_rows", "sampling_rows", "speculative_verify"));

    private static final Pattern ENTRY = Pattern.compile("^\\.visible \\.entry (\\w+)\\(", Pattern.MULTILINE);

    @ParameterizedTest
    @ValueSource(strings = {"rotary", "paged_attention", "sampling"})
    void committedPtxDeclaresTheLaunchersKernelsForSm90(String family) throws IOException {
        String ptx = committedPtx(family);

        List<String> entries = new ArrayList<>();
        Matcher matcher = ENTRY.matcher(ptx);
        while (matcher.find()) {
            entries.add(matcher.group(1));
        }
        assertThat(entries).as("entry points of %s.ptx", family).containsExactlyInAnyOrderElementsOf(ENTRIES.get(family));
        assertThat(ptx).as("target of %s.ptx", family).contains("\n.target sm_90\n");
        // names of internal linkage carry a hash of the source's absolute path: PTX would differ per checkout
        assertThat(ptx).as("%s.ptx must not depend on where it was compiled", family).doesNotContain("_INTERNAL_");
    }

    @ParameterizedTest
    @ValueSource(strings = {"rotary", "paged_attention", "sampling"})
    void committedPtxIsWhatTheSourceCompilesTo(String family, @TempDir Path out) throws Exception {
        Path nvcc = findNvcc();
        assumeTrue(nvcc != null, "nvcc is not installed (not on PATH, not in /usr/local/cuda/bin): the PTX of "
                + family + ".cu cannot be regenerated here");
        Path generated = out.resolve(family + ".ptx");
        Process process = new ProcessBuilder(nvcc.toString(), "-ptx", "-arch=compute_90", "-O3", "--std=c++17",
                "-o", generated.toString(), SOURCES.resolve(family + ".cu").toString())
                .redirectErrorStream(true)
                .start();
        String log = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(5, TimeUnit.MINUTES)).as("nvcc finished on %s.cu", family).isTrue();
        assertThat(process.exitValue()).as("nvcc exit status on %s.cu; output:%n%s", family, log).isZero();

        assertThat(withoutComments(Files.readString(generated)))
                .as("%s.ptx regenerated from %s.cu; regenerate the committed PTX after changing the source", family,
                        family)
                .isEqualTo(withoutComments(committedPtx(family)));
    }

    private static String committedPtx(String family) throws IOException {
        try (InputStream in = DecoderKernelPtxTest.class.getResourceAsStream(PTX_RESOURCES + family + ".ptx")) {
            assertThat(in).as("resource %s%s.ptx", PTX_RESOURCES, family).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The PTX without its {@code //} comment lines, which name the compiler's version and build. */
    private static String withoutComments(String ptx) {
        return ptx.lines().filter(line -> !line.startsWith("//")).collect(Collectors.joining("\n"));
    }

    private static Path findNvcc() {
        String path = System.getenv("PATH");
        List<Path> candidates = new ArrayList<>();
        if (path != null) {
            for (String dir : path.split(java.io.File.pathSeparator)) {
                candidates.add(Path.of(dir, "nvcc"));
            }
        }
        candidates.add(Path.of("/usr/local/cuda/bin/nvcc"));
        return candidates.stream().filter(Files::isExecutable).findFirst().orElse(null);
    }
}
