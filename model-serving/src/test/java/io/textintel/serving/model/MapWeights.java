package io.textintel.serving.model;

import io.textintel.serving.weights.DType;
import io.textintel.serving.weights.TensorInfo;
import io.textintel.serving.weights.WeightLoader;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/** An in-memory checkpoint for tests: named F32 tensors built by hand or at random. */
final class MapWeights implements WeightLoader {

    private final Map<String, float[]> values = new LinkedHashMap<>();
    private final Map<String, long[]> shapes = new LinkedHashMap<>();

    MapWeights put(String name, float[] data, long... shape) {
        long count = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        if (count != data.length) {
            throw new IllegalArgumentException("tensor " + name + " has " + data.length + " values for shape "
                    + Arrays.toString(shape));
        }
        values.put(name, data.clone());
        shapes.put(name, shape.clone());
        return this;
    }

    MapWeights random(Random random, String name, double std, long... shape) {
        float[] data = new float[(int) Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) (random.nextGaussian() * std);
        }
        return put(name, data, shape);
    }

    /** A BERT-layout encoder with random weights (and non-trivial biases and norms) under {@code prefix}. */
    MapWeights randomBert(Random random, String prefix, int vocab, int hidden, int layers, int intermediate,
            int positions, int types) {
        random(random, prefix + "embeddings.word_embeddings.weight", 0.5, vocab, hidden);
        random(random, prefix + "embeddings.position_embeddings.weight", 0.5, positions, hidden);
        if (types > 0) {
            random(random, prefix + "embeddings.token_type_embeddings.weight", 0.5, types, hidden);
        }
        norm(random, prefix + "embeddings.LayerNorm", hidden);
        for (int i = 0; i < layers; i++) {
            String base = prefix + "encoder.layer." + i + ".";
            for (String part : new String[] {"attention.self.query", "attention.self.key", "attention.self.value",
                    "attention.output.dense"}) {
                linear(random, base + part, hidden, hidden);
            }
            norm(random, base + "attention.output.LayerNorm", hidden);
            linear(random, base + "intermediate.dense", intermediate, hidden);
            linear(random, base + "output.dense", hidden, intermediate);
            norm(random, base + "output.LayerNorm", hidden);
        }
        return this;
    }

    MapWeights linear(Random random, String base, int out, int in) {
        random(random, base + ".weight", 0.2, out, in);
        return random(random, base + ".bias", 0.1, out);
    }

    MapWeights norm(Random random, String base, int hidden) {
        float[] gamma = new float[hidden];
        for (int i = 0; i < hidden; i++) {
            gamma[i] = (float) (1 + 0.1 * random.nextGaussian());
        }
        put(base + ".weight", gamma, hidden);
        return random(random, base + ".bias", 0.1, hidden);
    }

    /**
     * The same tensors with names rewritten by {@code pairs} (old, new, old, new, ...), applied in
     * order, each to the first occurrence only.
     */
    MapWeights renamed(String... pairs) {
        MapWeights copy = new MapWeights();
        for (String name : values.keySet()) {
            String renamed = name;
            for (int i = 0; i < pairs.length; i += 2) {
                int at = renamed.indexOf(pairs[i]);
                if (at >= 0) {
                    renamed = renamed.substring(0, at) + pairs[i + 1] + renamed.substring(at + pairs[i].length());
                }
            }
            copy.put(renamed, values.get(name), shapes.get(name));
        }
        return copy;
    }

    MapWeights without(String name) {
        values.remove(name);
        shapes.remove(name);
        return this;
    }

    float[] get(String name) {
        return values.get(name).clone();
    }

    @Override
    public Set<String> tensorNames() {
        return values.keySet();
    }

    @Override
    public boolean contains(String name) {
        return values.containsKey(name);
    }

    @Override
    public TensorInfo info(String name) {
        if (!contains(name)) {
            throw new IllegalArgumentException("no tensor " + name);
        }
        return new TensorInfo(name, DType.F32, shapes.get(name));
    }

    @Override
    public float[] readFloats(String name) {
        info(name);
        return values.get(name).clone();
    }

    @Override
    public void close() {
        values.clear();
    }
}
