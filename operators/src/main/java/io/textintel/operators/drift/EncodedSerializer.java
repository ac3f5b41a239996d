package io.textintel.operators.drift;

import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

import java.io.IOException;

/**
 * A Flink serializer for a drift type that encodes itself as bytes ({@code toBytes} /
 * {@code fromBytes}): a length-prefixed byte array in checkpoints and on the wire. Copies go
 * through the encoding, so state never shares a mutable object with the caller.
 *
 * <p>The drift types are kept free of Flink; this is where Flink meets their own encoding, whose
 * format carries its version, so the serializer itself has no configuration to snapshot.
 */
abstract class EncodedSerializer<T> extends TypeSerializerSingleton<T> {

    private static final long serialVersionUID = 1L;

    abstract byte[] encode(T value);

    abstract T decode(byte[] bytes);

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public T createInstance() {
        return null;
    }

    @Override
    public T copy(T from) {
        return from == null ? null : decode(encode(from));
    }

    @Override
    public T copy(T from, T reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(T record, DataOutputView target) throws IOException {
        byte[] bytes = encode(record);
        target.writeInt(bytes.length);
        target.write(bytes);
    }

    @Override
    public T deserialize(DataInputView source) throws IOException {
        byte[] bytes = new byte[source.readInt()];
        source.readFully(bytes);
        return decode(bytes);
    }

    @Override
    public T deserialize(T reuse, DataInputView source) throws IOException {
        return deserialize(source);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        int length = source.readInt();
        target.writeInt(length);
        target.write(source, length);
    }
}
