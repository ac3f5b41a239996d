package io.textintel.serving.importer;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Where an ONNX model and its {@code tokenizer.json} are read from: entries of a jar on the
 * classpath, entries of a jar file, or two local files.
 */
public final class ModelSource {

    /** Opens one of the source's files. */
    @FunctionalInterface
    interface Opener {
        InputStream open() throws IOException;
    }

    private final String kind;
    private final String location;
    private final String artifact; // Maven coordinates, or null
    private final String onnxName;
    private final String tokenizerName;
    private final Opener onnx;
    private final Opener tokenizer;
    private final Path onnxFile; // null unless a local file (external data is then readable)

    private ModelSource(String kind, String location, String artifact, String onnxName, String tokenizerName,
            Opener onnx, Opener tokenizer, Path onnxFile) {
        this.kind = kind;
        this.location = location;
        this.artifact = artifact;
        this.onnxName = onnxName;
        this.tokenizerName = tokenizerName;
        this.onnx = onnx;
        this.tokenizer = tokenizer;
        this.onnxFile = onnxFile;
    }

    /**
     * Two resources of the classpath, e.g. the entries of a Maven-resolved jar.
     *
     * @param artifact the Maven coordinates the resources come from, recorded as provenance; may be null
     * @throws IOException naming the resource that is not on the classpath
     */
    public static ModelSource classpath(ClassLoader loader, String onnxResource, String tokenizerResource,
            String artifact) throws IOException {
        URL onnxUrl = loader.getResource(onnxResource);
        URL tokenizerUrl = loader.getResource(tokenizerResource);
        if (onnxUrl == null || tokenizerUrl == null) {
            throw new IOException("resource " + (onnxUrl == null ? onnxResource : tokenizerResource)
                    + " is not on the classpath, expected it in " + (artifact == null ? "a jar" : artifact));
        }
        String where = onnxUrl.toString();
        return new ModelSource("classpath", where, artifact, onnxResource, tokenizerResource, onnxUrl::openStream,
                tokenizerUrl::openStream, null);
    }

    /**
     * Two entries of a jar (or zip) file.
     *
     * @throws IOException naming the entry the jar does not have
     */
    public static ModelSource jar(Path jarFile, String onnxEntry, String tokenizerEntry, String artifact)
            throws IOException {
        try (ZipFile zip = new ZipFile(jarFile.toFile())) {
            for (String entry : new String[] {onnxEntry, tokenizerEntry}) {
                if (zip.getEntry(entry) == null) {
                    throw new IOException("jar " + jarFile + " has no entry " + entry + ", expected the model's files");
                }
            }
        }
        return new ModelSource("jar", jarFile.toAbsolutePath().toString(), artifact, onnxEntry, tokenizerEntry,
                () -> openEntry(jarFile, onnxEntry), () -> openEntry(jarFile, tokenizerEntry), null);
    }

    /**
     * A local {@code .onnx} file (external data beside it is read) and a {@code tokenizer.json}.
     *
     * @throws IOException naming the file that does not exist
     */
    public static ModelSource files(Path onnxFile, Path tokenizerJson) throws IOException {
        for (Path file : new Path[] {onnxFile, tokenizerJson}) {
            if (!Files.isRegularFile(file)) {
                throw new IOException("file " + file + " does not exist, expected the model's .onnx and tokenizer.json");
            }
        }
        Path onnxPath = onnxFile.toAbsolutePath().normalize();
        Path tokenizerPath = tokenizerJson.toAbsolutePath().normalize();
        return new ModelSource("file", onnxPath.getParent().toString(), null, onnxPath.toString(),
                tokenizerPath.toString(), () -> Files.newInputStream(onnxPath), () -> Files.newInputStream(tokenizerPath),
                onnxPath);
    }

    /** Bytes in memory, for tests. */
    static ModelSource bytes(String name, byte[] onnxBytes, byte[] tokenizerBytes) {
        return new ModelSource("memory", name, null, name + ".onnx", name + "-tokenizer.json",
                () -> new ByteArrayInputStream(onnxBytes), () -> new ByteArrayInputStream(tokenizerBytes), null);
    }

    private static InputStream openEntry(Path jarFile, String entryName) throws IOException {
        ZipFile zip = new ZipFile(jarFile.toFile());
        try {
            ZipEntry entry = Objects.requireNonNull(zip.getEntry(entryName), entryName);
            return new FilterInputStream(zip.getInputStream(entry)) {
                @Override
                public void close() throws IOException {
                    try {
                        super.close();
                    } finally {
                        zip.close();
                    }
                }
            };
        } catch (IOException | RuntimeException e) {
            zip.close();
            throw e;
        }
    }

    InputStream openOnnx() throws IOException {
        return onnx.open();
    }

    InputStream openTokenizer() throws IOException {
        return tokenizer.open();
    }

    /** The local {@code .onnx} file, when the source is one (its external data can then be read). */
    Optional<Path> onnxFile() {
        return Optional.ofNullable(onnxFile);
    }

    /** The Maven coordinates, when known. */
    public Optional<String> artifact() {
        return Optional.ofNullable(artifact);
    }

    /** The name of the ONNX file or entry. */
    public String onnxName() {
        return onnxName;
    }

    /** Provenance: kind, location, artifact and entry names (no hashes: those are the importer's). */
    ObjectNode describe() {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("kind", kind);
        if (artifact != null) {
            node.put("artifact", artifact);
        }
        node.put("onnx", onnxName);
        node.put("tokenizer", tokenizerName);
        return node;
    }

    @Override
    public String toString() {
        return (artifact != null ? artifact + " " : "") + onnxName + " (" + kind + " " + location + ")";
    }
}
