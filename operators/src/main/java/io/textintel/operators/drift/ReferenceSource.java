package io.textintel.operators.drift;

import java.io.Serializable;
import java.time.Instant;

/**
 * Where the drift monitor's reference comes from: the first documents of the stream (as many as
 * {@link DriftSettings#referenceDocuments()}, by arrival at the profile builder), the documents of an
 * event-time range, or a profile file stored earlier ({@link ReferenceProfile#write}).
 *
 * @param from start of the event-time range, inclusive; null unless the reference is a time range
 * @param to end of the event-time range, exclusive; null unless the reference is a time range
 * @param profileFile a stored profile to use instead of building one; null to build
 */
public record ReferenceSource(Instant from, Instant to, String profileFile) implements Serializable {

    public ReferenceSource {
        if ((from == null) != (to == null)) {
            throw new IllegalArgumentException("the reference time range needs both from and to, got from " + from
                    + " and to " + to);
        }
        if (from != null && !from.isBefore(to)) {
            throw new IllegalArgumentException("the reference time range is from " + from + " to " + to
                    + ", expected from before to");
        }
        if (from != null && profileFile != null) {
            throw new IllegalArgumentException("the reference is both a time range and the stored profile "
                    + profileFile + ", expected one of them");
        }
    }

    /** The first documents of the stream. */
    public static ReferenceSource firstDocuments() {
        return new ReferenceSource(null, null, null);
    }

    /** The documents with event times in {@code [from, to)}. */
    public static ReferenceSource timeRange(Instant from, Instant to) {
        return new ReferenceSource(from, to, null);
    }

    /** A stored profile. */
    public static ReferenceSource storedProfile(String file) {
        return new ReferenceSource(null, null, file);
    }

    boolean isTimeRange() {
        return from != null;
    }

    @Override
    public String toString() {
        if (profileFile != null) {
            return "stored profile " + profileFile;
        }
        return isTimeRange() ? "documents from " + from + " to " + to : "first documents of the stream";
    }
}
