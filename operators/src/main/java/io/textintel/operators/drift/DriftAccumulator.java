package io.textintel.operators.drift;

import org.apache.datasketches.kll.KllDoublesSketch;
import org.apache.datasketches.memory.Memory;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * The mergeable state of one drift window: a KLL quantile sketch per value of {@link ProjectedFeatures},
 * counts per category of each {@link CategoricalFeature}, and the embeddings' sum and count. Its size
 * does not grow with the window beyond the sketches' O(k log n), so windows scale across parallel
 * subtasks by {@link #merge}.
 *
 * <p>Embedding sums are kept in 32.32 fixed point (each component rounded to a multiple of 2⁻³²) so that
 * addition is associative: merging partitions in any order gives exactly the sum of one accumulator over
 * all, and a restart with another parallelism reports the same centroid. Components must lie in [−1, 1]
 * (L2-normalised embeddings); the sum holds 2³¹ documents before it would overflow, which throws.
 */
public final class DriftAccumulator {

    private static final int MAGIC = 0x54494441; // "TIDA"
    private static final byte FORMAT = 1;
    static final double FIXED_POINT_SCALE = 4294967296.0; // 2^32

    /** {@link #values} or {@link #dims} of a window that has not seen a document with them yet. */
    static final int UNKNOWN = -1;

    private int values; // or UNKNOWN
    private int dims; // or UNKNOWN
    private final int sketchK;
    private long count;
    private KllDoublesSketch[] sketches; // [values], null until the value's first observation
    private final TreeMap<String, Long>[] categoryCounts; // [categorical features]
    private long[] embeddingSum; // [dims], 32.32 fixed point
    private long embeddingCount;

    /**
     * An empty window for documents with {@code values} values and embeddings of {@code dims} dimensions
     * (0: none monitored), sketched with KLL parameter {@code sketchK}.
     */
    public DriftAccumulator(int values, int dims, int sketchK) {
        this(values, dims, sketchK, false);
    }

    private DriftAccumulator(int values, int dims, int sketchK, boolean allowUnknown) {
        int least = allowUnknown ? UNKNOWN : 0;
        if (values < least || dims < least) {
            throw new IllegalArgumentException("values " + values + " and dims " + dims + ", expected both >= "
                    + least);
        }
        if (sketchK < 8 || sketchK > 65_535) {
            throw new IllegalArgumentException("sketchK is " + sketchK + ", expected between 8 and 65535");
        }
        this.values = values;
        this.dims = dims;
        this.sketchK = sketchK;
        this.sketches = new KllDoublesSketch[Math.max(values, 0)];
        @SuppressWarnings("unchecked")
        TreeMap<String, Long>[] counts = new TreeMap[CategoricalFeature.values().length];
        for (int f = 0; f < counts.length; f++) {
            counts[f] = new TreeMap<>();
        }
        this.categoryCounts = counts;
        this.embeddingSum = new long[Math.max(dims, 0)];
    }

    /**
     * An empty window that takes its shape (values, dims) from the first document or window added to
     * it: Flink creates window accumulators before the reference profile that shapes documents exists.
     */
    public static DriftAccumulator unshaped(int sketchK) {
        return new DriftAccumulator(UNKNOWN, UNKNOWN, sketchK, true);
    }

    /** An empty window shaped for {@code profile}'s projected features. */
    public static DriftAccumulator forProfile(ReferenceProfile profile) {
        return new DriftAccumulator(profile.valueCount(), profile.dims(), profile.settings().sketchK());
    }

    /** Adds one document. */
    public void add(ProjectedFeatures document) {
        if (values == UNKNOWN && document.values != null) {
            shapeValues(document.values.length);
        }
        if (dims == UNKNOWN && document.embedding != null) {
            shapeDims(document.embedding.length);
        }
        if (document.values == null || document.values.length != values) {
            throw new IllegalArgumentException("document " + document.id + " has "
                    + (document.values == null ? "no" : String.valueOf(document.values.length))
                    + " values, expected " + values);
        }
        float[] embedding = document.embedding;
        if (embedding != null && embedding.length != dims) {
            throw new IllegalArgumentException("document " + document.id + " has an embedding of " + embedding.length
                    + " dims, expected " + dims + " dims");
        }
        if (document.categories != null && document.categories.length != categoryCounts.length) {
            throw new IllegalArgumentException("document " + document.id + " has " + document.categories.length
                    + " categories, expected " + categoryCounts.length);
        }
        long[] fixedPoint = null;
        if (embedding != null) {
            // Converted before anything is added, so a bad document leaves the window as it was.
            fixedPoint = new long[dims];
            for (int i = 0; i < dims; i++) {
                fixedPoint[i] = toFixedPoint(embedding[i], document.id, i);
            }
        }
        count++;
        for (int v = 0; v < values; v++) {
            double x = document.values[v];
            if (!Double.isNaN(x)) {
                sketch(v).update(x);
            }
        }
        if (document.categories != null) {
            for (int f = 0; f < categoryCounts.length; f++) {
                String category = document.categories[f];
                if (category != null) {
                    categoryCounts[f].merge(category, 1L, Long::sum);
                }
            }
        }
        if (fixedPoint != null) {
            for (int i = 0; i < dims; i++) {
                embeddingSum[i] = Math.addExact(embeddingSum[i], fixedPoint[i]);
            }
            embeddingCount++;
        }
    }

    /** Adds everything {@code other} holds to this window and returns this. {@code other} is not changed. */
    public DriftAccumulator merge(DriftAccumulator other) {
        if (values == UNKNOWN && other.values != UNKNOWN) {
            shapeValues(other.values);
        }
        if (dims == UNKNOWN && other.dims != UNKNOWN) {
            shapeDims(other.dims);
        }
        if ((other.values != values && other.values != UNKNOWN) || (other.dims != dims && other.dims != UNKNOWN)
                || other.sketchK != sketchK) {
            throw new IllegalArgumentException("cannot merge a window of " + other.values + " values, " + other.dims
                    + " dims, sketchK " + other.sketchK + " into one of " + values + " values, " + dims
                    + " dims, sketchK " + sketchK);
        }
        count += other.count;
        for (int v = 0; v < other.sketches.length; v++) {
            if (other.sketches[v] != null) {
                sketch(v).merge(other.sketches[v]);
            }
        }
        for (int f = 0; f < categoryCounts.length; f++) {
            for (Map.Entry<String, Long> e : other.categoryCounts[f].entrySet()) {
                categoryCounts[f].merge(e.getKey(), e.getValue(), Long::sum);
            }
        }
        for (int i = 0; i < other.embeddingSum.length; i++) {
            embeddingSum[i] = Math.addExact(embeddingSum[i], other.embeddingSum[i]);
        }
        embeddingCount += other.embeddingCount;
        return this;
    }

    /** Documents added. */
    public long count() {
        return count;
    }

    /** Values per document, or {@link #UNKNOWN} before the first document. */
    public int values() {
        return values;
    }

    /** Embedding dimensions, or {@link #UNKNOWN} before the first embedding. */
    public int dims() {
        return dims;
    }

    /** The sketch of value {@code v}, or {@code null} when no document had it. */
    KllDoublesSketch sketchOrNull(int v) {
        return v < sketches.length ? sketches[v] : null;
    }

    /** Documents with a value for {@code v}. */
    long valueCount(int v) {
        KllDoublesSketch sketch = sketchOrNull(v);
        return sketch == null ? 0 : sketch.getN();
    }

    private void shapeValues(int count) {
        values = count;
        sketches = new KllDoublesSketch[count];
    }

    private void shapeDims(int count) {
        dims = count;
        embeddingSum = new long[count];
    }

    /** Counts per category of {@code feature}, in category order. */
    public Map<String, Long> categoryCounts(CategoricalFeature feature) {
        return Collections.unmodifiableMap(categoryCounts[feature.ordinal()]);
    }

    /** Documents with an embedding. */
    public long embeddingCount() {
        return embeddingCount;
    }

    /** The mean embedding, or {@code null} when no document had one. */
    public double[] embeddingMean() {
        return mean(embeddingSum, embeddingCount);
    }

    /** The mean of {@code count} embeddings whose fixed-point sum is {@code sum}; null when count is 0. */
    static double[] mean(long[] sum, long count) {
        if (count == 0) {
            return null;
        }
        double[] mean = new double[sum.length];
        for (int i = 0; i < sum.length; i++) {
            mean[i] = sum[i] / FIXED_POINT_SCALE / count;
        }
        return mean;
    }

    /** The embeddings' sum in 32.32 fixed point; a copy. */
    long[] embeddingSumFixedPoint() {
        return embeddingSum.clone();
    }

    private KllDoublesSketch sketch(int v) {
        KllDoublesSketch sketch = sketches[v];
        if (sketch == null) {
            sketch = KllDoublesSketch.newHeapInstance(sketchK);
            sketches[v] = sketch;
        }
        return sketch;
    }

    static long toFixedPoint(float component, String id, int index) {
        checkComponent(component, id, index);
        return Math.round(Math.max(-1f, Math.min(1f, component)) * FIXED_POINT_SCALE);
    }

    /**
     * Checks one component of an L2-normalised embedding: within [-1, 1], allowing float rounding of
     * a unit vector's dominant component.
     */
    static void checkComponent(float component, String id, int index) {
        if (!(Math.abs(component) <= 1.0001f)) {
            throw new IllegalArgumentException("document " + id + " has embedding component " + index + " = "
                    + component + ", expected a value in [-1, 1] (an L2-normalised embedding)");
        }
    }

    /** A compact binary form: the sketches' own serialisation, the counts, the fixed-point sums. */
    public byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeByte(FORMAT);
            out.writeInt(values);
            out.writeInt(dims);
            out.writeInt(sketchK);
            out.writeLong(count);
            for (KllDoublesSketch sketch : sketches) {
                if (sketch == null) {
                    out.writeInt(0);
                } else {
                    byte[] serialised = sketch.toByteArray();
                    out.writeInt(serialised.length);
                    out.write(serialised);
                }
            }
            for (TreeMap<String, Long> counts : categoryCounts) {
                out.writeInt(counts.size());
                for (Map.Entry<String, Long> e : counts.entrySet()) {
                    out.writeUTF(e.getKey());
                    out.writeLong(e.getValue());
                }
            }
            out.writeLong(embeddingCount);
            for (long s : embeddingSum) {
                out.writeLong(s);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory failed; this is a bug", e);
        }
        return bytes.toByteArray();
    }

    /** Reads what {@link #toBytes()} wrote. */
    public static DriftAccumulator fromBytes(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            int magic = in.readInt();
            if (magic != MAGIC) {
                throw new IllegalArgumentException(String.format(
                        "not a drift window: magic 0x%08x, expected 0x%08x", magic, MAGIC));
            }
            byte format = in.readByte();
            if (format != FORMAT) {
                throw new IllegalArgumentException("drift window format " + format + ", expected " + FORMAT);
            }
            DriftAccumulator acc = new DriftAccumulator(in.readInt(), in.readInt(), in.readInt(), true);
            acc.count = in.readLong();
            for (int v = 0; v < acc.sketches.length; v++) {
                int length = in.readInt();
                if (length > 0) {
                    byte[] serialised = new byte[length];
                    in.readFully(serialised);
                    acc.sketches[v] = KllDoublesSketch.heapify(Memory.wrap(serialised));
                }
            }
            for (TreeMap<String, Long> counts : acc.categoryCounts) {
                int entries = in.readInt();
                for (int e = 0; e < entries; e++) {
                    counts.put(in.readUTF(), in.readLong());
                }
            }
            acc.embeddingCount = in.readLong();
            for (int i = 0; i < acc.embeddingSum.length; i++) {
                acc.embeddingSum[i] = in.readLong();
            }
            if (in.available() != 0) {
                throw new IllegalArgumentException("drift window has " + in.available() + " trailing bytes");
            }
            return acc;
        } catch (IOException e) {
            throw new IllegalArgumentException("drift window bytes are truncated: " + e.getMessage(), e);
        }
    }
}
