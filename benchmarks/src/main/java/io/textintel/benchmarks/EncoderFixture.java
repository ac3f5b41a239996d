package io.textintel.benchmarks;

import io.textintel.serving.backend.Backend;
import io.textintel.serving.batch.TokenBatch;
import io.textintel.serving.model.EncoderModel;
import io.textintel.serving.tools.TinyBertSpec;
import io.textintel.serving.tools.TinyModelGenerator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/**
 * A MiniLM-L6-shaped embedder (hidden 384, 6 layers, 12 heads, intermediate 1536, 512 positions)
 * with random weights, written by {@link TinyModelGenerator} to a temporary directory and loaded
 * through the real checkpoint path, plus a batch of random token ids. Closing it closes the
 * backend and deletes the directory.
 */
final class EncoderFixture implements AutoCloseable {

    static final TinyBertSpec MINILM_L6 = TinyBertSpec.small()
            .withSizes(384, 6, 12, 1536)
            .withMaxPositions(512)
            .withBiasAndNormStd(0.02);

    private final Path dir;
    private final Backend backend;
    private final EncoderModel model;

    private EncoderFixture(Path dir, Backend backend, EncoderModel model) {
        this.dir = dir;
        this.backend = backend;
        this.model = model;
    }

    /** Writes the checkpoint and loads it onto {@code backend}, which the fixture then owns. */
    static EncoderFixture open(Backend backend) {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("textintel-bench-");
            TinyModelGenerator.writeBertEmbedder(dir, MINILM_L6);
            return new EncoderFixture(dir, backend, EncoderModel.load(dir, backend));
        } catch (IOException | RuntimeException e) {
            backend.close();
            if (dir != null) {
                deleteQuietlyOnFailure(dir, e);
            }
            if (e instanceof IOException) {
                throw new UncheckedIOException("writing or loading the benchmark checkpoint failed", (IOException) e);
            }
            throw (RuntimeException) e;
        }
    }

    EncoderModel model() {
        return model;
    }

    /** {@code batchSize} sequences of {@code length} random ids of the model's vocabulary, packed. */
    TokenBatch randomBatch(int batchSize, int length, long seed) {
        Random random = new Random(seed);
        int vocabulary = model.config().vocabSize();
        List<int[]> sequences = new ArrayList<>();
        for (int i = 0; i < batchSize; i++) {
            int[] ids = new int[length];
            for (int t = 0; t < length; t++) {
                ids[t] = 1 + random.nextInt(vocabulary - 1);
            }
            sequences.add(ids);
        }
        return TokenBatch.of(sequences, backend.batchLayout(), model.config().padTokenId());
    }

    @Override
    public void close() {
        backend.close();
        try {
            delete(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("deleting the benchmark checkpoint " + dir + " failed", e);
        }
    }

    private static void deleteQuietlyOnFailure(Path dir, Exception cause) {
        try {
            delete(dir);
        } catch (IOException e) {
            cause.addSuppressed(e);
        }
    }

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(path);
            }
        }
    }
}
