package io.textintel.operators.drift;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.CRC32;

/**
 * The binary form of a {@link ReferenceProfile} and the canonical encoding its version hashes.
 *
 * <p>Layout (big-endian, {@link DataOutputStream}): magic "TIDP", format byte, the settings, the version,
 * N, dims, k, then when dims &gt; 0 the mean [dims], the directions [k, dims], their variances [k] and the
 * total variance; then N documents (id, event time, values, categories, embedding); last a CRC-32 of
 * everything before it, so a truncated or corrupted file fails loudly instead of building another profile.
 */
final class ReferenceProfileFormat {

    private static final int MAGIC = 0x54494450; // "TIDP"
    private static final byte FORMAT = 1;

    private ReferenceProfileFormat() {}

    static byte[] write(ReferenceProfile profile, ProjectedFeatures[] documents) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(1 << 16);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeByte(FORMAT);
            writeSettings(out, profile.settings());
            out.writeUTF(profile.version());
            out.writeInt(documents.length);
            int dims = profile.dims();
            int k = profile.directionCount();
            out.writeInt(dims);
            out.writeInt(k);
            if (dims > 0) {
                PrincipalDirections pd = profile.principalDirections();
                writeDoubles(out, pd.mean);
                for (double[] direction : pd.directions) {
                    writeDoubles(out, direction);
                }
                writeDoubles(out, pd.variances);
                out.writeDouble(pd.totalVariance);
            }
            for (ProjectedFeatures d : documents) {
                writeString(out, d.id);
                out.writeLong(d.eventTime);
                writeDoubles(out, d.values);
                for (String c : d.categories) {
                    writeString(out, c);
                }
                out.writeBoolean(d.embedding != null);
                if (d.embedding != null) {
                    for (float x : d.embedding) {
                        out.writeFloat(x);
                    }
                }
            }
            CRC32 crc = new CRC32();
            crc.update(bytes.toByteArray());
            out.writeLong(crc.getValue());
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory failed; this is a bug", e);
        }
        return bytes.toByteArray();
    }

    static ReferenceProfile read(byte[] bytes) {
        if (bytes.length < 13) {
            throw new IllegalArgumentException("a reference profile has at least 13 bytes, got " + bytes.length);
        }
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, bytes.length - 8);
        long stored = java.nio.ByteBuffer.wrap(bytes, bytes.length - 8, 8).getLong();
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes, 0, bytes.length - 8))) {
            int magic = in.readInt();
            if (magic != MAGIC) {
                throw new IllegalArgumentException(String.format(
                        "magic 0x%08x, expected 0x%08x (\"TIDP\")", magic, MAGIC));
            }
            if (stored != crc.getValue()) {
                throw new IllegalArgumentException(String.format(
                        "checksum 0x%08x, expected 0x%08x: the profile is truncated or corrupt", crc.getValue(), stored));
            }
            byte format = in.readByte();
            if (format != FORMAT) {
                throw new IllegalArgumentException("format " + format + ", expected " + FORMAT);
            }
            DriftSettings settings = readSettings(in);
            String version = in.readUTF();
            int n = in.readInt();
            int dims = in.readInt();
            int k = in.readInt();
            if (n < 1 || dims < 0 || k < 0 || (dims > 0) != (k > 0) || k > dims) {
                throw new IllegalArgumentException("header says " + n + " documents, " + dims + " dims, " + k
                        + " directions, expected N >= 1 and 1 <= k <= dims or k = dims = 0");
            }
            PrincipalDirections pd = null;
            if (dims > 0) {
                double[] mean = readDoubles(in, dims);
                double[][] directions = new double[k][];
                for (int j = 0; j < k; j++) {
                    directions[j] = readDoubles(in, dims);
                }
                pd = new PrincipalDirections(mean, directions, readDoubles(in, k), in.readDouble());
            }
            int values = dims == 0 ? ReferenceProfile.SCALARS : ReferenceProfile.SCALARS + k + 1;
            ProjectedFeatures[] documents = new ProjectedFeatures[n];
            for (int i = 0; i < n; i++) {
                String id = readString(in);
                long eventTime = in.readLong();
                double[] v = readDoubles(in, values);
                String[] categories = new String[ReferenceProfile.CATEGORICALS];
                for (int c = 0; c < categories.length; c++) {
                    categories[c] = readString(in);
                }
                float[] embedding = null;
                if (in.readBoolean()) {
                    embedding = new float[dims];
                    for (int x = 0; x < dims; x++) {
                        embedding[x] = in.readFloat();
                    }
                }
                documents[i] = new ProjectedFeatures(id, eventTime, v, categories, embedding);
            }
            if (in.available() != 0) {
                throw new IllegalArgumentException(in.available() + " bytes after the last document, expected none");
            }
            return new ReferenceProfile(settings, version, documents, dims, pd);
        } catch (IOException e) {
            throw new IllegalArgumentException("the profile ends early: " + e, e);
        }
    }

    /** "ref-" and the first 12 hex digits of SHA-256 over the settings and the documents in canonical order. */
    static String version(List<DriftFeatures> canonicalDocuments, DriftSettings settings) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256, which every Java platform must have", e);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            writeSettings(out, settings);
            out.writeInt(canonicalDocuments.size());
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory failed; this is a bug", e);
        }
        sha.update(bytes.toByteArray());
        for (DriftFeatures d : canonicalDocuments) {
            byte[] encoded = canonicalBytes(d);
            sha.update(java.nio.ByteBuffer.allocate(4).putInt(encoded.length).array());
            sha.update(encoded);
        }
        return "ref-" + HexFormat.of().formatHex(sha.digest(), 0, 6);
    }

    /** One document's content as bytes: id, event time, scalar bits, categories, embedding bits. */
    static byte[] canonicalBytes(DriftFeatures d) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            writeString(out, d.id);
            out.writeLong(d.eventTime);
            out.writeInt(d.scalars == null ? -1 : d.scalars.length);
            if (d.scalars != null) {
                writeDoubles(out, d.scalars); // writeDouble writes one canonical NaN
            }
            out.writeInt(d.categories == null ? -1 : d.categories.length);
            if (d.categories != null) {
                for (String c : d.categories) {
                    writeString(out, c);
                }
            }
            out.writeInt(d.embedding == null ? -1 : d.embedding.length);
            if (d.embedding != null) {
                for (float x : d.embedding) {
                    out.writeFloat(x);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory failed; this is a bug", e);
        }
        return bytes.toByteArray();
    }

    private static void writeSettings(DataOutputStream out, DriftSettings s) throws IOException {
        out.writeInt(s.referenceDocuments());
        out.writeInt(s.directions());
        out.writeBoolean(s.pca());
        out.writeInt(s.sketchK());
        out.writeDouble(s.expectedRunTime());
        out.writeInt(s.consecutiveWindows());
        out.writeInt(s.minWindowDocuments());
        out.writeLong(s.seed());
        out.writeInt(s.calibrationWindows());
        out.writeInt(s.calibrationWindowDocuments());
    }

    private static DriftSettings readSettings(DataInputStream in) throws IOException {
        return new DriftSettings(in.readInt(), in.readInt(), in.readBoolean(), in.readInt(), in.readDouble(),
                in.readInt(), in.readInt(), in.readLong(), in.readInt(), in.readInt());
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        out.writeBoolean(s != null);
        if (s != null) {
            out.writeUTF(s);
        }
    }

    private static String readString(DataInputStream in) throws IOException {
        return in.readBoolean() ? in.readUTF() : null;
    }

    private static void writeDoubles(DataOutputStream out, double[] values) throws IOException {
        for (double v : values) {
            out.writeDouble(v);
        }
    }

    private static double[] readDoubles(DataInputStream in, int n) throws IOException {
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            values[i] = in.readDouble();
        }
        return values;
    }
}
