package io.textintel.connectors.elasticsearch;

import org.apache.flink.core.io.SimpleVersionedSerializer;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Serializes {@link PendingDocuments} between the writer and the committer, and in the committer's
 * state. Version 1: a count, then per document index, id and source, each with a four-byte length
 * prefix (sources exceed the 64 KiB of {@code writeUTF}).
 */
final class PendingDocumentsSerializer implements SimpleVersionedSerializer<PendingDocuments> {

    static final PendingDocumentsSerializer INSTANCE = new PendingDocumentsSerializer();
    private static final int VERSION = 1;

    @Override
    public int getVersion() {
        return VERSION;
    }

    @Override
    public byte[] serialize(PendingDocuments pending) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(pending.documents().size());
            for (BulkAction document : pending.documents()) {
                RejectedDocumentsSerializer.writeString(out, document.index());
                RejectedDocumentsSerializer.writeString(out, document.id());
                out.writeInt(document.source().length);
                out.write(document.source());
            }
        }
        return bytes.toByteArray();
    }

    @Override
    public PendingDocuments deserialize(int version, byte[] serialized) throws IOException {
        if (version != VERSION) {
            throw new IOException("Pending documents serialized with version " + version + ", expected " + VERSION
                    + ".");
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
            int count = in.readInt();
            List<BulkAction> documents = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                String index = RejectedDocumentsSerializer.readString(in);
                String id = RejectedDocumentsSerializer.readString(in);
                byte[] source = new byte[in.readInt()];
                in.readFully(source);
                documents.add(new BulkAction(index, id, source));
            }
            return new PendingDocuments(documents);
        }
    }
}
