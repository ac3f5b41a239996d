package io.textintel.operators.drift;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Builds a {@link ReferenceProfile} from reference documents: validation, canonical order, directions, projection. */
final class ReferenceProfileBuilder {

    /** Fewest reference documents a profile is built from. */
    static final int MIN_DOCUMENTS = 4;

    private ReferenceProfileBuilder() {}

    static ReferenceProfile build(List<DriftFeatures> reference, DriftSettings settings) {
        Objects.requireNonNull(reference, "reference");
        Objects.requireNonNull(settings, "settings");
        // All of the reference: the first referenceDocuments of the stream, or every document of a time range.
        if (reference.size() < MIN_DOCUMENTS) {
            throw new IllegalArgumentException("the reference has " + reference.size()
                    + " documents, expected at least " + MIN_DOCUMENTS);
        }
        List<DriftFeatures> documents = new ArrayList<>(reference);
        int n = documents.size();
        int dims = 0;
        for (int i = 0; i < n; i++) {
            DriftFeatures d = documents.get(i);
            if (d == null) {
                throw new IllegalArgumentException("reference document " + i + " is null");
            }
            dims = checkEmbedding(d, dims);
        }
        // Arrival order within the reference is not stable across restarts of a parallel job; content order is.
        documents.sort(ReferenceProfile.CANONICAL_ORDER);
        String version = ReferenceProfileFormat.version(documents, settings);

        // Principal components fitted on documents fit those documents better than new ones: their projections
        // spread more and their reconstruction errors are smaller than a live window's, which would read as drift.
        // So every other document (in canonical order) fits the directions, and the rest, which the fit never saw,
        // describe the distributions that windows are compared with. Random directions need no such split.
        boolean split = settings.pca() && dims > 0;
        List<DriftFeatures> fitting = new ArrayList<>();
        List<DriftFeatures> described = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            (split && i % 2 == 0 ? fitting : described).add(documents.get(i));
        }
        if (!split) {
            fitting = documents;
        }
        List<float[]> embeddings = new ArrayList<>();
        for (DriftFeatures d : fitting) {
            if (d.embedding != null) {
                embeddings.add(d.embedding);
            }
        }
        PrincipalDirections directions = null;
        if (embeddings.size() >= Math.max(2, settings.minWindowDocuments())) {
            directions = PrincipalDirections.fit(embeddings, dims, settings.directions(), settings.pca(),
                    settings.seed());
        } else {
            dims = 0;
        }
        ProjectedFeatures[] projected = new ProjectedFeatures[described.size()];
        for (int i = 0; i < projected.length; i++) {
            projected[i] = ReferenceProfile.project(described.get(i), dims, directions);
        }
        return new ReferenceProfile(settings, version, projected, dims, directions);
    }

    /** Checks one document's shape; returns the embedding dims seen so far. */
    private static int checkEmbedding(DriftFeatures d, int dims) {
        if (d.scalars == null || d.scalars.length != ReferenceProfile.SCALARS) {
            throw new IllegalArgumentException("reference document " + d.id + " has "
                    + (d.scalars == null ? "no" : String.valueOf(d.scalars.length)) + " scalar features, expected "
                    + ReferenceProfile.SCALARS);
        }
        if (d.categories != null && d.categories.length != ReferenceProfile.CATEGORICALS) {
            throw new IllegalArgumentException("reference document " + d.id + " has " + d.categories.length
                    + " categorical features, expected " + ReferenceProfile.CATEGORICALS);
        }
        float[] e = d.embedding;
        if (e == null) {
            return dims;
        }
        if (e.length == 0 || (dims != 0 && e.length != dims)) {
            throw new IllegalArgumentException("reference document " + d.id + " has an embedding of " + e.length
                    + " dims, expected " + (dims == 0 ? "at least 1" : dims + " dims (the first embedding's)"));
        }
        for (int i = 0; i < e.length; i++) {
            if (!(Math.abs(e[i]) <= 1f)) {
                throw new IllegalArgumentException("reference document " + d.id + " has embedding component " + i
                        + " = " + e[i] + ", expected a value in [-1, 1] (an L2-normalised embedding)");
            }
        }
        return e.length;
    }
}
