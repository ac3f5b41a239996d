package io.textintel.operators.drift;

import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;

/** Flink type information of the drift monitor's own types: they travel and are checkpointed in their own encoding. */
public final class DriftTypes {

    /** The reference profile, as broadcast to the operators that compare with it and kept in their state. */
    public static final TypeInformation<ReferenceProfile> PROFILE =
            new EncodedTypeInfo<>(ReferenceProfile.class, ProfileSerializer.INSTANCE);

    /** A window's mergeable aggregate, as kept in window state. */
    public static final TypeInformation<DriftAccumulator> ACCUMULATOR =
            new EncodedTypeInfo<>(DriftAccumulator.class, AccumulatorSerializer.INSTANCE);

    private DriftTypes() {}

    /** Serializer of {@link ReferenceProfile}. */
    public static final class ProfileSerializer extends EncodedSerializer<ReferenceProfile> {
        private static final long serialVersionUID = 1L;
        static final ProfileSerializer INSTANCE = new ProfileSerializer();

        @Override
        byte[] encode(ReferenceProfile value) {
            return value.toBytes();
        }

        @Override
        ReferenceProfile decode(byte[] bytes) {
            return ReferenceProfile.fromBytes(bytes);
        }

        @Override
        public TypeSerializerSnapshot<ReferenceProfile> snapshotConfiguration() {
            return new ProfileSerializerSnapshot();
        }
    }

    /** Snapshot of {@link ProfileSerializer}: nothing to configure. */
    public static final class ProfileSerializerSnapshot extends SimpleTypeSerializerSnapshot<ReferenceProfile> {
        public ProfileSerializerSnapshot() {
            super(() -> ProfileSerializer.INSTANCE);
        }
    }

    /** Serializer of {@link DriftAccumulator}. */
    public static final class AccumulatorSerializer extends EncodedSerializer<DriftAccumulator> {
        private static final long serialVersionUID = 1L;
        static final AccumulatorSerializer INSTANCE = new AccumulatorSerializer();

        @Override
        byte[] encode(DriftAccumulator value) {
            return value.toBytes();
        }

        @Override
        DriftAccumulator decode(byte[] bytes) {
            return DriftAccumulator.fromBytes(bytes);
        }

        @Override
        public TypeSerializerSnapshot<DriftAccumulator> snapshotConfiguration() {
            return new AccumulatorSerializerSnapshot();
        }
    }

    /** Snapshot of {@link AccumulatorSerializer}: nothing to configure. */
    public static final class AccumulatorSerializerSnapshot extends SimpleTypeSerializerSnapshot<DriftAccumulator> {
        public AccumulatorSerializerSnapshot() {
            super(() -> AccumulatorSerializer.INSTANCE);
        }
    }

    /** Type information whose serializer is one of the above. */
    private static final class EncodedTypeInfo<T> extends TypeInformation<T> {
        private static final long serialVersionUID = 1L;
        private final Class<T> type;
        private final TypeSerializer<T> serializer;

        EncodedTypeInfo(Class<T> type, TypeSerializer<T> serializer) {
            this.type = type;
            this.serializer = serializer;
        }

        @Override
        public boolean isBasicType() {
            return false;
        }

        @Override
        public boolean isTupleType() {
            return false;
        }

        @Override
        public int getArity() {
            return 1;
        }

        @Override
        public int getTotalFields() {
            return 1;
        }

        @Override
        public Class<T> getTypeClass() {
            return type;
        }

        @Override
        public boolean isKeyType() {
            return false;
        }

        @Override
        public TypeSerializer<T> createSerializer(SerializerConfig config) {
            return serializer;
        }

        @Override
        public String toString() {
            return "Encoded<" + type.getSimpleName() + ">";
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof EncodedTypeInfo<?> other && other.type == type;
        }

        @Override
        public int hashCode() {
            return type.hashCode();
        }

        @Override
        public boolean canEqual(Object o) {
            return o instanceof EncodedTypeInfo;
        }
    }
}
