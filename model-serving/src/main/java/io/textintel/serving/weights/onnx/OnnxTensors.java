package io.textintel.serving.weights.onnx;

import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import io.textintel.serving.weights.BFloat16;
import io.textintel.serving.weights.DType;
import io.textintel.serving.weights.Float16;
import io.textintel.serving.weights.TensorInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * Decodes the elements of an ONNX {@code TensorProto}: inline {@code raw_data} (little-endian),
 * the typed repeated fields ({@code float_data}, {@code int32_data} holding F16/BF16 bits,
 * {@code int64_data}, {@code double_data}), or external data in a file beside the model.
 */
final class OnnxTensors {

    private OnnxTensors() {}

    /**
     * The safetensors-style dtype of an ONNX element type.
     *
     * @throws IllegalArgumentException naming the tensor and its ONNX type if it has no equivalent
     */
    static DType dtype(TensorProto tensor) {
        TensorProto.DataType type = TensorProto.DataType.forNumber(tensor.getDataType());
        if (type != null) {
            switch (type) {
                case FLOAT: return DType.F32;
                case FLOAT16: return DType.F16;
                case BFLOAT16: return DType.BF16;
                case DOUBLE: return DType.F64;
                case INT64: return DType.I64;
                case INT32: return DType.I32;
                case INT8: return DType.I8;
                case UINT8: return DType.U8;
                case BOOL: return DType.BOOL;
                default: break;
            }
        }
        throw new IllegalArgumentException("ONNX tensor " + tensor.getName() + " has element type " + type + " ("
                + tensor.getDataType() + "), expected FLOAT, FLOAT16, BFLOAT16, DOUBLE, INT64, INT32, INT8, UINT8 or BOOL");
    }

    /** The tensor's dtype and shape, under {@code name}. */
    static TensorInfo info(String name, TensorProto tensor) {
        long[] shape = tensor.getDimsList().stream().mapToLong(Long::longValue).toArray();
        return new TensorInfo(name, dtype(tensor), shape);
    }

    /**
     * The elements as F32, row-major.
     *
     * @param baseDir the model file's directory, where external data lives; null when the model
     *     was read from a stream (external data is then refused)
     * @throws IllegalArgumentException if the type is not floating point or the data size does not
     *     match the shape
     */
    static float[] floats(TensorProto tensor, Path baseDir) {
        TensorInfo info = info(tensor.getName(), tensor);
        if (!info.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException("ONNX tensor " + tensor.getName() + " has dtype " + info.dtype()
                    + ", expected a floating-point tensor");
        }
        int count = elementCount(info);
        float[] out = new float[count];
        ByteBuffer bytes = storedBytes(tensor, info, baseDir);
        if (bytes != null) {
            decode(bytes, info.dtype(), out);
            return out;
        }
        switch (info.dtype()) {
            case F32 -> {
                requireCount(tensor, "float_data", tensor.getFloatDataCount(), count);
                for (int i = 0; i < count; i++) {
                    out[i] = tensor.getFloatData(i);
                }
            }
            case F16, BF16 -> {
                // ONNX stores 16-bit floats as their bit patterns, one per int32_data element
                requireCount(tensor, "int32_data", tensor.getInt32DataCount(), count);
                for (int i = 0; i < count; i++) {
                    short bits = (short) tensor.getInt32Data(i);
                    out[i] = info.dtype() == DType.F16 ? Float16.toFloat(bits) : BFloat16.toFloat(bits);
                }
            }
            case F64 -> {
                requireCount(tensor, "double_data", tensor.getDoubleDataCount(), count);
                for (int i = 0; i < count; i++) {
                    out[i] = (float) tensor.getDoubleData(i);
                }
            }
            default -> throw new IllegalStateException("dtype " + info.dtype() + " passed the float check; this is a bug");
        }
        return out;
    }

    /**
     * The elements of an integer tensor (INT64 or INT32) as longs, e.g. a Reshape's target shape.
     *
     * @throws IllegalArgumentException if the tensor is not INT64/INT32 or its size does not match
     */
    static long[] longs(TensorProto tensor) {
        TensorInfo info = info(tensor.getName(), tensor);
        int count = elementCount(info);
        if (info.dtype() != DType.I64 && info.dtype() != DType.I32) {
            throw new IllegalArgumentException("ONNX tensor " + tensor.getName() + " has dtype " + info.dtype()
                    + ", expected INT64 or INT32");
        }
        long[] out = new long[count];
        if (!tensor.getRawData().isEmpty()) {
            ByteBuffer bytes = tensor.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            requireCount(tensor, "raw_data bytes", bytes.remaining(), count * info.dtype().byteSize());
            for (int i = 0; i < count; i++) {
                out[i] = info.dtype() == DType.I64 ? bytes.getLong() : bytes.getInt();
            }
        } else if (info.dtype() == DType.I64) {
            requireCount(tensor, "int64_data", tensor.getInt64DataCount(), count);
            for (int i = 0; i < count; i++) {
                out[i] = tensor.getInt64Data(i);
            }
        } else {
            requireCount(tensor, "int32_data", tensor.getInt32DataCount(), count);
            for (int i = 0; i < count; i++) {
                out[i] = tensor.getInt32Data(i);
            }
        }
        return out;
    }

    /** The little-endian stored bytes (raw or external), or null when the typed fields hold the data. */
    private static ByteBuffer storedBytes(TensorProto tensor, TensorInfo info, Path baseDir) {
        long expected = info.byteSize();
        if (tensor.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
            return external(tensor, expected, baseDir);
        }
        if (tensor.getRawData().isEmpty() && expected > 0) {
            return null;
        }
        ByteBuffer bytes = tensor.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        requireCount(tensor, "raw_data bytes", bytes.remaining(), expected);
        return bytes;
    }

    private static ByteBuffer external(TensorProto tensor, long expected, Path baseDir) {
        String location = null;
        long offset = 0;
        long length = -1;
        for (StringStringEntryProto entry : tensor.getExternalDataList()) {
            switch (entry.getKey()) {
                case "location" -> location = entry.getValue();
                case "offset" -> offset = Long.parseLong(entry.getValue());
                case "length" -> length = Long.parseLong(entry.getValue());
                default -> { } // "checksum" and future keys do not change where the bytes are
            }
        }
        if (location == null) {
            throw new IllegalArgumentException("ONNX tensor " + tensor.getName()
                    + " has data_location EXTERNAL but no 'location' entry, expected the data file's name");
        }
        if (baseDir == null) {
            throw new IllegalArgumentException("ONNX tensor " + tensor.getName() + " keeps its data in external file "
                    + location + ", expected the model to be opened from a file so that " + location
                    + " can be found beside it");
        }
        Path file = baseDir.resolve(location).normalize();
        if (!file.startsWith(baseDir.normalize())) {
            throw new IllegalArgumentException("ONNX tensor " + tensor.getName() + " names external data " + location
                    + ", expected a file inside " + baseDir);
        }
        if (length >= 0 && length != expected) {
            throw new IllegalArgumentException("ONNX tensor " + tensor.getName() + " has external length " + length
                    + " bytes, expected " + expected + " for its shape");
        }
        if (expected > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("ONNX tensor " + tensor.getName() + " has " + expected
                    + " bytes, expected at most " + (Integer.MAX_VALUE - 8));
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            if (offset < 0 || offset + expected > channel.size()) {
                throw new IllegalArgumentException("ONNX tensor " + tensor.getName() + " reads bytes [" + offset + ", "
                        + (offset + expected) + ") of " + file + ", which has " + channel.size() + " bytes");
            }
            ByteBuffer buffer = ByteBuffer.allocate((int) expected);
            while (buffer.hasRemaining()) {
                if (channel.read(buffer, offset + buffer.position()) < 0) {
                    throw new IOException("unexpected end of " + file);
                }
            }
            return buffer.flip().order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            if (!Files.exists(file)) {
                throw new IllegalArgumentException("ONNX tensor " + tensor.getName() + " keeps its data in " + file
                        + ", which does not exist; expected it beside the .onnx file", e);
            }
            throw new UncheckedIOException("cannot read external data of ONNX tensor " + tensor.getName()
                    + " from " + file, e);
        }
    }

    private static void decode(ByteBuffer bytes, DType dtype, float[] out) {
        switch (dtype) {
            case F32 -> bytes.asFloatBuffer().get(out);
            case F16 -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = Float16.toFloat(bytes.getShort(bytes.position() + 2 * i));
                }
            }
            case BF16 -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = BFloat16.toFloat(bytes.getShort(bytes.position() + 2 * i));
                }
            }
            case F64 -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = (float) bytes.getDouble(bytes.position() + 8 * i);
                }
            }
            default -> throw new IllegalStateException("dtype " + dtype + " passed the float check; this is a bug");
        }
    }

    private static int elementCount(TensorInfo info) {
        long count = info.elementCount();
        if (count > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("ONNX tensor " + info.name() + " has shape "
                    + Arrays.toString(info.shape()) + " (" + count + " elements), expected at most "
                    + (Integer.MAX_VALUE - 8));
        }
        return (int) count;
    }

    private static void requireCount(TensorProto tensor, String field, long actual, long expected) {
        if (actual != expected) {
            throw new IllegalArgumentException("ONNX tensor " + tensor.getName() + " has " + actual + " " + field
                    + ", expected " + expected + " for shape " + tensor.getDimsList());
        }
    }
}
