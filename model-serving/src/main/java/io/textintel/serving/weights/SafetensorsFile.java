package io.textintel.serving.weights;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One memory-mapped {@code .safetensors} file.
 *
 * <p>The header is parsed and validated on open. The data section is mapped read-only in segments
 * of at most {@value #DEFAULT_MAX_SEGMENT_BYTES} bytes, each holding whole tensors, so files larger
 * than 2 GiB work; a single tensor larger than a segment is mapped piecewise when read. Reads are
 * thread-safe.
 */
public final class SafetensorsFile implements WeightLoader {

    private static final Logger LOG = LoggerFactory.getLogger(SafetensorsFile.class);

    /** Largest mapping: the most a {@link ByteBuffer} can address, rounded down to a page. */
    static final long DEFAULT_MAX_SEGMENT_BYTES = Integer.MAX_VALUE & ~4095L;

    /** Largest float array the JVM reliably allocates. */
    private static final long MAX_ARRAY_ELEMENTS = Integer.MAX_VALUE - 8L;

    private final Path file;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, String> metadata;
    private final Map<String, Located> tensors;
    private volatile boolean closed;

    /** A tensor and where its bytes are: in {@code segment} at {@code offset}, or unmapped if segment is null. */
    private record Located(SafetensorsHeader.Entry entry, MappedByteBuffer segment, int offset) {}

    private SafetensorsFile(Path file, FileChannel channel, long dataStart, SafetensorsHeader header,
            long maxSegmentBytes) throws IOException {
        this.file = file;
        this.channel = channel;
        this.dataStart = dataStart;
        this.metadata = header.metadata();
        this.tensors = mapSegments(header, maxSegmentBytes);
    }

    /**
     * Opens, validates and maps a safetensors file.
     *
     * @throws IOException if the file cannot be read
     * @throws IllegalArgumentException if it is not a valid safetensors file; the message says what is wrong
     */
    public static SafetensorsFile open(Path file) throws IOException {
        return open(file, DEFAULT_MAX_SEGMENT_BYTES);
    }

    static SafetensorsFile open(Path file, long maxSegmentBytes) throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        try {
            long size = channel.size();
            if (size < 8) {
                throw new IllegalArgumentException(
                        file + " has " + size + " bytes, expected at least 8 (the header length); it is not a safetensors file");
            }
            ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, lengthBytes, 0);
            long headerLength = lengthBytes.getLong(0);
            if (headerLength < 2 || headerLength > SafetensorsHeader.MAX_HEADER_BYTES) {
                throw new IllegalArgumentException(file + " declares a header of " + Long.toUnsignedString(headerLength)
                        + " bytes, expected 2 to " + SafetensorsHeader.MAX_HEADER_BYTES + "; it is not a safetensors file");
            }
            if (headerLength > size - 8) {
                throw new IllegalArgumentException(file + " declares a header of " + headerLength + " bytes but has only "
                        + (size - 8) + " bytes after the length; the file is truncated");
            }
            ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
            readFully(channel, headerBytes, 8);
            long dataStart = 8 + headerLength;
            SafetensorsHeader header = SafetensorsHeader.parse(file.toString(), headerBytes.array(), size - dataStart);
            SafetensorsFile opened = new SafetensorsFile(file, channel, dataStart, header, maxSegmentBytes);
            LOG.debug("Opened {}: {} tensors, {} bytes", file, header.entries().size(), size);
            return opened;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    private static void readFully(FileChannel channel, ByteBuffer target, long position) throws IOException {
        while (target.hasRemaining()) {
            int read = channel.read(target, position + target.position());
            if (read < 0) {
                throw new IOException("unexpected end of file at byte " + (position + target.position()));
            }
        }
    }

    private Map<String, Located> mapSegments(SafetensorsHeader header, long maxSegmentBytes) throws IOException {
        Map<String, Located> located = new LinkedHashMap<>();
        var entries = header.entries();
        int i = 0;
        while (i < entries.size()) {
            SafetensorsHeader.Entry first = entries.get(i);
            if (first.length() > maxSegmentBytes) {
                located.put(first.info().name(), new Located(first, null, 0));
                i++;
                continue;
            }
            int j = i;
            while (j < entries.size() && entries.get(j).end() - first.begin() <= maxSegmentBytes) {
                j++;
            }
            long segmentEnd = entries.get(j - 1).end();
            MappedByteBuffer segment = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + first.begin(),
                    segmentEnd - first.begin());
            for (int k = i; k < j; k++) {
                SafetensorsHeader.Entry entry = entries.get(k);
                located.put(entry.info().name(), new Located(entry, segment, (int) (entry.begin() - first.begin())));
            }
            i = j;
        }
        Map<String, Located> byName = new TreeMap<>(located);
        return Collections.unmodifiableMap(byName);
    }

    /** The file this was opened from. */
    public Path path() {
        return file;
    }

    /** The {@code __metadata__} string map of the header (empty if none), e.g. {@code format=pt}. */
    public Map<String, String> metadata() {
        return metadata;
    }

    @Override
    public Set<String> tensorNames() {
        return tensors.keySet();
    }

    @Override
    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    @Override
    public TensorInfo info(String name) {
        return locate(name).entry().info();
    }

    @Override
    public float[] readFloats(String name) {
        TensorInfo info = info(name);
        long count = info.elementCount();
        if (count > MAX_ARRAY_ELEMENTS) {
            throw new IllegalArgumentException("tensor " + name + " in " + file + " has " + count
                    + " elements, more than a Java array holds (" + MAX_ARRAY_ELEMENTS + ")");
        }
        float[] values = new float[(int) count];
        readFloats(name, values, 0);
        return values;
    }

    /** A {@code BF16} tensor's bits copied straight from the mapping; other dtypes through F32. */
    @Override
    public short[] readBFloat16(String name) {
        Located located = locate(name);
        TensorInfo info = located.entry().info();
        if (info.dtype() != DType.BF16 || located.segment() == null) {
            return WeightLoader.super.readBFloat16(name);
        }
        short[] bits = new short[(int) info.elementCount()];
        located.segment().slice(located.offset(), (int) info.byteSize()).order(ByteOrder.LITTLE_ENDIAN)
                .asShortBuffer().get(bits);
        return bits;
    }

    /**
     * Converts the tensor's elements to F32 into {@code dst} starting at {@code dstOffset}.
     *
     * @throws IllegalArgumentException if the tensor is absent, not floating point, or does not fit
     */
    public void readFloats(String name, float[] dst, int dstOffset) {
        Located located = locate(name);
        TensorInfo info = located.entry().info();
        if (!info.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException("tensor " + name + " in " + file + " has dtype " + info.dtype()
                    + ", expected a floating-point dtype (F32, F16, BF16, F64)");
        }
        long count = info.elementCount();
        if (dstOffset < 0 || count > dst.length - (long) dstOffset) {
            throw new IllegalArgumentException("tensor " + name + " has " + count + " elements, which do not fit into "
                    + "an array of " + dst.length + " at offset " + dstOffset);
        }
        if (located.segment() != null) {
            FloatDecoder.decode(located.segment().slice(located.offset(), (int) info.byteSize()), info.dtype(),
                    dst, dstOffset, (int) count);
            return;
        }
        readUnmapped(located.entry(), dst, dstOffset);
    }

    private void readUnmapped(SafetensorsHeader.Entry entry, float[] dst, int dstOffset) {
        int elementSize = entry.info().dtype().byteSize();
        long chunkElements = (DEFAULT_MAX_SEGMENT_BYTES / 2) / elementSize;
        long count = entry.info().elementCount();
        try {
            for (long done = 0; done < count; done += chunkElements) {
                long n = Math.min(chunkElements, count - done);
                ByteBuffer piece = channel.map(FileChannel.MapMode.READ_ONLY,
                        dataStart + entry.begin() + done * elementSize, n * elementSize);
                FloatDecoder.decode(piece, entry.info().dtype(), dst, dstOffset + (int) done, (int) n);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot map tensor " + entry.info().name() + " of " + file, e);
        }
    }

    /**
     * The tensor's stored bytes, little-endian, as a read-only buffer positioned at 0 (e.g. for a GPU
     * upload without conversion). The buffer is only valid while this file is open.
     *
     * @throws IllegalArgumentException if the tensor is absent or larger than one buffer can address
     */
    public ByteBuffer raw(String name) {
        Located located = locate(name);
        if (located.segment() == null) {
            throw new IllegalArgumentException("tensor " + name + " in " + file + " has "
                    + located.entry().length() + " bytes, more than one ByteBuffer addresses; read it with readFloats");
        }
        return located.segment().slice(located.offset(), (int) located.entry().length())
                .asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    private Located locate(String name) {
        if (closed) {
            throw new IllegalStateException("safetensors file " + file + " is closed; cannot read tensor " + name);
        }
        Located located = tensors.get(name);
        if (located == null) {
            throw new IllegalArgumentException("tensor " + name + " is not in " + file + " (" + tensors.size()
                    + " tensors, e.g. " + tensors.keySet().stream().limit(5).toList() + ")");
        }
        return located;
    }

    /** Closes the file; mappings are released by the garbage collector once unreferenced. */
    @Override
    public void close() {
        closed = true;
        try {
            channel.close();
        } catch (IOException e) {
            LOG.warn("Closing {} failed", file, e);
        }
    }

    @Override
    public String toString() {
        return "SafetensorsFile[" + file + ", " + tensors.size() + " tensors]";
    }
}
