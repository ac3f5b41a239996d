package io.textintel.operators.drift;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What normal looks like: the reference documents' projected features, the reference directions for
 * embeddings, and what the detector derives from them (sorted values, category shares, the statistics
 * the reference supports). Immutable, and deterministic: the same reference documents (in any order)
 * and settings give the same {@link #version()} and the same {@link #toBytes()}.
 *
 * <p>A feature fewer than {@code minWindowDocuments} reference documents have (in particular one absent
 * from the whole reference) is not monitored: no statistic is evaluated for it. The profile keeps every
 * reference document's projection, categories and embedding because threshold calibration resamples them.
 */
public final class ReferenceProfile implements Serializable {

    private static final long serialVersionUID = 1L;
    static final int SCALARS = ScalarFeature.values().length;
    static final int CATEGORICALS = CategoricalFeature.values().length;

    private final DriftSettings settings;
    private final String version;
    private final ProjectedFeatures[] documents; // [N], sorted by event time, id, content
    private final int dims; // 0: embeddings not monitored
    private final PrincipalDirections directions; // null when dims == 0

    // Derived from the above, by derive().
    private final double[][] sortedValues; // [values][documents having the value]
    private final String[][] vocabulary; // [categoricals][K], sorted
    private final double[][] referenceCounts; // [categoricals][K + 1], the last is the unseen pool (0)
    private final List<DriftStatistic> statistics;
    private final long embeddingDocuments;
    private transient volatile ThresholdCalibration describedThresholds;

    ReferenceProfile(DriftSettings settings, String version, ProjectedFeatures[] documents, int dims,
            PrincipalDirections directions) {
        this.settings = settings;
        this.version = version;
        this.documents = documents;
        this.dims = dims;
        this.directions = directions;
        int values = valueCount();
        this.sortedValues = new double[values][];
        for (int v = 0; v < values; v++) {
            double[] column = new double[documents.length];
            int n = 0;
            for (ProjectedFeatures d : documents) {
                if (!Double.isNaN(d.values[v])) {
                    column[n++] = d.values[v];
                }
            }
            sortedValues[v] = Arrays.copyOf(column, n);
            Arrays.sort(sortedValues[v]);
        }
        this.vocabulary = new String[CATEGORICALS][];
        this.referenceCounts = new double[CATEGORICALS][];
        for (int f = 0; f < CATEGORICALS; f++) {
            TreeMap<String, Integer> counts = new TreeMap<>();
            for (ProjectedFeatures d : documents) {
                if (d.categories[f] != null) {
                    counts.merge(d.categories[f], 1, Integer::sum);
                }
            }
            vocabulary[f] = counts.keySet().toArray(new String[0]);
            referenceCounts[f] = new double[counts.size() + 1];
            int i = 0;
            for (int c : counts.values()) {
                referenceCounts[f][i++] = c;
            }
        }
        long withEmbedding = 0;
        for (ProjectedFeatures d : documents) {
            if (d.embedding != null) {
                withEmbedding++;
            }
        }
        this.embeddingDocuments = withEmbedding;
        this.statistics = Collections.unmodifiableList(listStatistics());
    }

    /**
     * Builds the profile from every document of {@code reference} (the caller chooses them: the stream's first
     * {@code settings.referenceDocuments()}, or those of a time range).
     *
     * @throws IllegalArgumentException when the reference has fewer than 2 documents, a document is malformed, embeddings
     *     disagree on their dims, or there are more directions than dims
     */
    public static ReferenceProfile build(List<DriftFeatures> reference, DriftSettings settings) {
        return ReferenceProfileBuilder.build(reference, settings);
    }

    /** Projects one document: scalars, then projections onto the reference directions, then the reconstruction error. */
    public ProjectedFeatures project(DriftFeatures features) {
        return project(features, dims, directions);
    }

    static ProjectedFeatures project(DriftFeatures features, int dims, PrincipalDirections directions) {
        if (features.scalars == null || features.scalars.length != SCALARS) {
            throw new IllegalArgumentException("document " + features.id + " has "
                    + (features.scalars == null ? "no" : String.valueOf(features.scalars.length))
                    + " scalar features, expected " + SCALARS);
        }
        if (features.categories != null && features.categories.length != CATEGORICALS) {
            throw new IllegalArgumentException("document " + features.id + " has " + features.categories.length
                    + " categorical features, expected " + CATEGORICALS);
        }
        int k = dims == 0 ? 0 : directions.directions.length;
        double[] values = new double[dims == 0 ? SCALARS : SCALARS + k + 1];
        System.arraycopy(features.scalars, 0, values, 0, SCALARS);
        float[] embedding = null;
        if (dims > 0) {
            Arrays.fill(values, SCALARS, values.length, Double.NaN);
            embedding = features.embedding;
            if (embedding != null) {
                if (embedding.length != dims) {
                    throw new IllegalArgumentException("document " + features.id + " has an embedding of "
                            + embedding.length + " dims, expected " + dims + " dims (the reference's)");
                }
                for (int i = 0; i < embedding.length; i++) {
                    DriftAccumulator.checkComponent(embedding[i], features.id, i);
                }
                projectEmbedding(embedding, directions, values);
            }
        }
        String[] categories = features.categories == null ? new String[CATEGORICALS] : features.categories.clone();
        return new ProjectedFeatures(features.id, features.eventTime, values, categories, embedding);
    }

    /** Writes the projections (centred on the reference mean) and the squared reconstruction error into {@code values}. */
    private static void projectEmbedding(float[] embedding, PrincipalDirections directions, double[] values) {
        int dims = embedding.length;
        double[] centred = new double[dims];
        double norm = 0;
        for (int i = 0; i < dims; i++) {
            centred[i] = embedding[i] - directions.mean[i];
            norm += centred[i] * centred[i];
        }
        double explained = 0;
        int k = directions.directions.length;
        for (int j = 0; j < k; j++) {
            double p = PrincipalDirections.dot(directions.directions[j], centred);
            values[SCALARS + j] = p;
            explained += p * p;
        }
        values[SCALARS + k] = Math.max(0, norm - explained);
    }

    private List<DriftStatistic> listStatistics() {
        int min = settings.minWindowDocuments();
        List<DriftStatistic> list = new ArrayList<>();
        for (ScalarFeature f : ScalarFeature.values()) {
            if (sortedValues[f.ordinal()].length >= min) {
                list.add(new DriftStatistic(f.key(), "ks", DriftStatistic.Kind.KS, f.ordinal()));
            }
        }
        if (dims > 0) {
            list.add(new DriftStatistic("embedding", "cosine_centroid", DriftStatistic.Kind.COSINE_CENTROID, -1));
            list.add(new DriftStatistic("embedding", "ks_max", DriftStatistic.Kind.KS_MAX, -1));
            list.add(new DriftStatistic("embedding", "drifted_direction_share",
                    DriftStatistic.Kind.DRIFTED_DIRECTION_SHARE, -1));
            list.add(new DriftStatistic("embedding", "reconstruction_error_ks", DriftStatistic.Kind.KS,
                    reconstructionErrorIndex()));
        }
        for (CategoricalFeature f : CategoricalFeature.values()) {
            if (Arrays.stream(referenceCounts[f.ordinal()]).sum() >= min) {
                list.add(new DriftStatistic(f.key(), "jsd", DriftStatistic.Kind.JSD, f.ordinal()));
                list.add(new DriftStatistic(f.key(), "psi", DriftStatistic.Kind.PSI, f.ordinal()));
            }
        }
        return list;
    }

    /** "ref-" and 12 hex digits of SHA-256 over the canonical reference documents and the settings. */
    public String version() {
        return version;
    }

    /**
     * Reference documents that describe the distributions windows are compared with: all of the
     * reference, or with principal components every other one (the rest fitted the directions).
     */
    public int documents() {
        return documents.length;
    }

    public long firstEventTime() {
        return documents[0].eventTime;
    }

    public long lastEventTime() {
        long last = Long.MIN_VALUE;
        for (ProjectedFeatures d : documents) {
            last = Math.max(last, d.eventTime);
        }
        return last;
    }

    public DriftSettings settings() {
        return settings;
    }

    /** Embedding dims, 0 when embeddings are not monitored. */
    public int dims() {
        return dims;
    }

    /** Reference directions, 0 when embeddings are not monitored. */
    public int directionCount() {
        return dims == 0 ? 0 : directions.directions.length;
    }

    /** Length of {@link ProjectedFeatures#values}: scalars, then directions and the reconstruction error. */
    public int valueCount() {
        return dims == 0 ? SCALARS : SCALARS + directions.directions.length + 1;
    }

    /** The statistics this reference supports, in the order {@link DriftDetector#evaluate} reports them. */
    public List<DriftStatistic> statistics() {
        return statistics;
    }

    /** The reference directions as rows; a copy. */
    public double[][] directions() {
        if (dims == 0) {
            return new double[0][];
        }
        double[][] copy = new double[directions.directions.length][];
        for (int j = 0; j < copy.length; j++) {
            copy[j] = directions.directions[j].clone();
        }
        return copy;
    }

    /** Share of the reference's total embedding variance along each direction. */
    public double[] explainedVariance() {
        if (dims == 0) {
            return new double[0];
        }
        double[] shares = new double[directions.variances.length];
        for (int j = 0; j < shares.length; j++) {
            shares[j] = directions.totalVariance > 0 ? directions.variances[j] / directions.totalVariance : 0;
        }
        return shares;
    }

    int reconstructionErrorIndex() {
        return SCALARS + directions.directions.length;
    }

    ProjectedFeatures document(int i) {
        return documents[i];
    }

    PrincipalDirections principalDirections() {
        return directions;
    }

    double[] sortedValues(int value) {
        return sortedValues[value];
    }

    String[] vocabulary(int categorical) {
        return vocabulary[categorical];
    }

    double[] referenceCounts(int categorical) {
        return referenceCounts[categorical];
    }

    long embeddingDocuments() {
        return embeddingDocuments;
    }

    /** The reference mean embedding, or null when embeddings are not monitored. */
    double[] centroid() {
        return dims == 0 ? null : directions.mean;
    }

    /** A compact binary form for Flink state and the stored profile file. */
    public byte[] toBytes() {
        return ReferenceProfileFormat.write(this, documents);
    }

    /** Reads what {@link #toBytes()} wrote; IllegalArgumentException says what is wrong with the bytes. */
    public static ReferenceProfile fromBytes(byte[] bytes) {
        return ReferenceProfileFormat.read(bytes);
    }

    /** Writes the profile file. */
    public void write(Path path) throws IOException {
        Files.write(path, toBytes());
    }

    /** Reads a profile file; a file that is not one fails with an IOException naming the file and the reason. */
    public static ReferenceProfile read(Path path) throws IOException {
        byte[] bytes = Files.readAllBytes(path);
        try {
            return fromBytes(bytes);
        } catch (IllegalArgumentException e) {
            throw new IOException("file " + path + " is not a valid drift reference profile: " + e.getMessage(), e);
        }
    }

    /**
     * A JSON-ready summary (maps, lists, strings, numbers; no NaN) of what normal was, for an Elasticsearch
     * document. Calibrates the thresholds at {@code settings.calibrationWindowDocuments()} on first call.
     */
    public Map<String, Object> describe() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("version", version);
        out.put("documents", documents.length);
        out.put("firstEventTime", firstEventTime());
        out.put("lastEventTime", lastEventTime());
        Map<String, Object> scalars = new LinkedHashMap<>();
        for (ScalarFeature f : ScalarFeature.values()) {
            double[] sorted = sortedValues[f.ordinal()];
            if (sorted.length >= settings.minWindowDocuments()) {
                scalars.put(f.key(), summary(sorted));
            }
        }
        out.put("scalars", scalars);
        Map<String, Object> categoricals = new LinkedHashMap<>();
        for (CategoricalFeature f : CategoricalFeature.values()) {
            double total = Arrays.stream(referenceCounts[f.ordinal()]).sum();
            if (total >= settings.minWindowDocuments()) {
                Map<String, Object> shares = new LinkedHashMap<>();
                for (int i = 0; i < vocabulary[f.ordinal()].length; i++) {
                    shares.put(vocabulary[f.ordinal()][i], referenceCounts[f.ordinal()][i] / total);
                }
                Map<String, Object> summary = new LinkedHashMap<>();
                summary.put("documents", (long) total);
                summary.put("shares", shares);
                categoricals.put(f.key(), summary);
            }
        }
        out.put("categories", categoricals);
        if (dims > 0) {
            Map<String, Object> embedding = new LinkedHashMap<>();
            embedding.put("documents", embeddingDocuments);
            embedding.put("dims", dims);
            embedding.put("directions", directionCount());
            embedding.put("method", settings.pca() ? "pca" : "random");
            embedding.put("explainedVariance", Arrays.stream(explainedVariance()).boxed().toList());
            embedding.put("reconstructionError", summary(sortedValues[reconstructionErrorIndex()]));
            out.put("embedding", embedding);
        }
        out.put("thresholds", describedThresholds().describe());
        return out;
    }

    private ThresholdCalibration describedThresholds() {
        ThresholdCalibration thresholds = describedThresholds;
        if (thresholds == null) {
            thresholds = ThresholdCalibration.calibrate(this, settings, settings.calibrationWindowDocuments());
            describedThresholds = thresholds;
        }
        return thresholds;
    }

    private static Map<String, Object> summary(double[] sorted) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("documents", sorted.length);
        s.put("mean", Arrays.stream(sorted).average().orElse(0));
        for (int p : new int[] {5, 25, 50, 75, 95}) {
            s.put(String.format("p%02d", p), quantile(sorted, p / 100.0));
        }
        return s;
    }

    /** Linear interpolation between order statistics (Hyndman and Fan type 7, as numpy's default). */
    static double quantile(double[] sorted, double q) {
        double h = (sorted.length - 1) * q;
        int lo = (int) Math.floor(h);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }

    /** The canonical document order: event time, then id, then content; so arrival order does not matter. */
    static final Comparator<DriftFeatures> CANONICAL_ORDER = Comparator
            .comparingLong((DriftFeatures d) -> d.eventTime)
            .thenComparing(d -> d.id, Comparator.nullsFirst(Comparator.naturalOrder()))
            .thenComparing(ReferenceProfileFormat::canonicalBytes, Arrays::compare);
}
