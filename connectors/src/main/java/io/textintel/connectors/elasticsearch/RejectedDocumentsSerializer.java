package io.textintel.connectors.elasticsearch;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * Serializes {@link RejectedDocuments} between the sink writer and its pre-commit topology, and in
 * the committer's state. Version 1: a count, then per document index, id, source length and bytes,
 * status, error type and error reason; strings as UTF-8 with a four-byte length prefix (reasons
 * and sources may exceed the 64 KiB of {@code writeUTF}).
 */
final class RejectedDocumentsSerializer implements SimpleVersionedSerializer<RejectedDocuments> {

    static final RejectedDocumentsSerializer INSTANCE = new RejectedDocumentsSerializer();
    private static final int VERSION = 1;

    @Override
    public int getVersion() {
        return VERSION;
    }

    @Override
    public byte[] serialize(RejectedDocuments batch) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(batch.documents().size());
            for (RejectedDocument document : batch.documents()) {
                writeString(out, document.index());
                writeString(out, document.id());
                out.writeInt(document.source().length);
                out.write(document.source());
                out.writeInt(document.status());
                writeString(out, document.errorType());
                writeString(out, document.errorReason());
            }
        }
        return bytes.toByteArray();
    }

    @Override
    public RejectedDocuments deserialize(int version, byte[] serialized) throws IOException {
        if (version != VERSION) {
            throw new IOException("Rejected documents serialized with version " + version
                    + ", expected " + VERSION + ".");
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
            int count = in.readInt();
            List<RejectedDocument> documents = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                String index = readString(in);
                String id = readString(in);
                byte[] source = new byte[in.readInt()];
                in.readFully(source);
                int status = in.readInt();
                documents.add(new RejectedDocument(index, id, source, status, readString(in), readString(in)));
            }
            return new RejectedDocuments(documents);
        }
    }

    static void writeString(DataOutputStream out, String value) throws IOException {
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
    }

    static String readString(DataInputStream in) throws IOException {
        byte[] utf8 = new byte[in.readInt()];
        in.readFully(utf8);
        return new String(utf8, StandardCharsets.UTF_8);
    }
}
