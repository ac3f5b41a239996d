package io.textintel.serving.backend.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Tests of the decoder's committed PTX ({@code rotary}, {@code paged_attention}, {@code sampling}):
 * that each declares the kernels its launcher looks up by name, for sm_90. That the PTX is what the
 * sources compile to is {@link PtxSourcesTest}'s check, for every family. Needs no GPU.
 */
class DecoderKernelPtxTest {

    private static final String PTX_RESOURCES = "/io/textintel/serving/backend/cuda/ptx/";

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

    private static String committedPtx(String family) throws IOException {
        try (InputStream in = DecoderKernelPtxTest.class.getResourceAsStream(PTX_RESOURCES + family + ".ptx")) {
            assertThat(in).as("resource %s%s.ptx", PTX_RESOURCES, family).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
