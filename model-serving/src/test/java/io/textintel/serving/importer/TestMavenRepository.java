package io.textintel.serving.importer;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

/**
 * A Maven repository on a local HTTP server: files by path, 404 for the rest, and optionally HTTP
 * basic authentication (401 without the right credentials).
 */
final class TestMavenRepository implements AutoCloseable {

    final List<String> requests = new CopyOnWriteArrayList<>();
    private final Map<String, byte[]> files = new ConcurrentHashMap<>();
    private final HttpServer server;
    private volatile String authorization;

    TestMavenRepository() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            requests.add(path);
            byte[] body = files.get(path);
            int status = authorization != null
                    && !authorization.equals(exchange.getRequestHeaders().getFirst("Authorization")) ? 401
                    : body == null ? 404 : 200;
            exchange.sendResponseHeaders(status, status == 200 ? body.length : -1);
            if (status == 200) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
            exchange.close();
        });
        server.start();
    }

    /** {@code http://127.0.0.1:PORT/maven2}. */
    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/maven2");
    }

    /** Serves {@code jar} as the artifact's jar and {@code sha1} as its {@code .jar.sha1} (null: none). */
    void put(String groupId, String artifactId, String version, byte[] jar, String sha1) {
        String path = "/maven2/" + RemoteMavenRepository.layoutPath(groupId, artifactId, version);
        files.put(path, jar);
        if (sha1 != null) {
            files.put(path + ".sha1", sha1.getBytes(StandardCharsets.US_ASCII));
        }
    }

    /** Answers 401 to requests without these credentials. */
    void requireBasicAuth(String username, String password) {
        authorization = "Basic " + Base64.getEncoder()
                .encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** A jar with these entries, each holding its name's UTF-8 bytes. */
    static byte[] jar(String... entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JarOutputStream out = new JarOutputStream(bytes)) {
            for (String entry : entries) {
                out.putNextEntry(new JarEntry(entry));
                out.write(entry.getBytes(StandardCharsets.UTF_8));
                out.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    static String sha1(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
