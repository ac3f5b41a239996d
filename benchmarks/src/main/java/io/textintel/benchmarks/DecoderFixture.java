package io.textintel.benchmarks;

import io.textintel.serving.backend.cpu.FastDecoderOps;
import io.textintel.serving.model.decoder.DecoderModel;
import io.textintel.serving.tools.TinyDecoderSpec;
import io.textintel.serving.tools.TinyModelGenerator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A Llama-shaped decoder large enough that a decode pass on the CPU streams its weights from
 * memory (hidden 1024, 24 layers, 16 query and 4 key/value heads, intermediate 2816, about 270M
 * parameters, 1.1 GB of F32), with random weights written once by {@link TinyModelGenerator} into
 * a cache directory under {@code java.io.tmpdir} and reused by later runs.
 */
final class DecoderFixture {

    static final TinyDecoderSpec SPEC = TinyDecoderSpec.llama()
            .withSizes(1024, 24, 16, 4, 2816)
            .withMaxPositions(512)
            .withSeed(7);

    private DecoderFixture() {}

    /** The checkpoint directory of {@link #SPEC}, written first if an earlier run has not finished writing it. */
    static Path checkpoint() throws IOException {
        return checkpoint(SPEC);
    }

    /**
     * The checkpoint directory of {@code spec} under {@code java.io.tmpdir}, named by its family,
     * shape, positions, merges, storage type and seed (the fixtures keep the family's RoPE settings),
     * written first if an earlier run has not finished writing it.
     */
    static Path checkpoint(TinyDecoderSpec spec) throws IOException {
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), String.format(Locale.ROOT,
                "textintel-bench-%s-h%d-l%d-a%d-kv%d-i%d-p%d-m%d-%s-s%d", spec.family().name().toLowerCase(Locale.ROOT),
                spec.hiddenSize(), spec.layers(), spec.heads(), spec.kvHeads(), spec.intermediateSize(),
                spec.maxPositions(), spec.merges(), spec.dtype(), spec.seed()));
        Path done = dir.resolve(".complete");
        if (!Files.exists(done)) {
            TinyModelGenerator.writeDecoder(dir, spec);
            Files.writeString(done, "written\n");
        }
        return dir;
    }

    /** Loads the checkpoint onto {@link FastDecoderOps} with {@code threads} threads; the model owns the ops. */
    static DecoderModel load(int threads) throws IOException {
        return DecoderModel.load(checkpoint(), new FastDecoderOps(threads));
    }

    /** Parameters of the model: embeddings, every layer's projections and norms, the final norm and LM head. */
    static long parameters(int vocab) {
        long hidden = SPEC.hiddenSize();
        long kvWidth = (long) SPEC.kvHeads() * SPEC.headDim();
        long layer = 2 * hidden * hidden + 2 * hidden * kvWidth + 3 * hidden * SPEC.intermediateSize() + 2 * hidden;
        return 2 * vocab * hidden + SPEC.layers() * layer + hidden;
    }
}
