package io.textintel.serving.hub;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

/**
 * A local HTTP server answering the way the Hugging Face Hub does: the revision API with
 * {@code sha} and {@code siblings}, {@code resolve} URLs with a 302 to a CDN path for LFS files
 * ({@code *.safetensors}), 401 from a gated repository without its token, 404 for an unknown
 * revision.
 */
final class FakeHub implements AutoCloseable {

    /** What a request carried. */
    record Request(String path, String authorization) {}

    private record Repo(Map<String, String> revisionToCommit, Map<String, Map<String, byte[]>> filesByCommit,
            String requiredToken) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final Map<String, Repo> repos = new ConcurrentHashMap<>();
    private final Map<String, byte[]> cdn = new ConcurrentHashMap<>();
    final List<Request> requests = new CopyOnWriteArrayList<>();
    /** When set, resolve serves this many fewer bytes than the file has. */
    volatile int truncateDownloadsBy;

    FakeHub() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Publishes every file under {@code dir} as {@code commit} of {@code modelId}, reachable as {@code revision}. */
    void publish(String modelId, String revision, String commit, Path dir, String requiredToken) throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path file : walk.filter(Files::isRegularFile).toList()) {
                files.put(dir.relativize(file).toString().replace('\\', '/'), Files.readAllBytes(file));
            }
        }
        files.put("pytorch_model.bin", new byte[] {1, 2, 3});
        files.put("README.md", "# model card".getBytes(StandardCharsets.UTF_8));
        Repo repo = repos.computeIfAbsent(modelId, id -> new Repo(new ConcurrentHashMap<>(), new ConcurrentHashMap<>(),
                requiredToken));
        repo.revisionToCommit().put(revision, commit);
        repo.revisionToCommit().put(commit, commit);
        repo.filesByCommit().put(commit, files);
    }

    private void handle(HttpExchange exchange) throws IOException {
        String path = URLDecoder.decode(exchange.getRequestURI().getRawPath(), StandardCharsets.UTF_8);
        requests.add(new Request(path, exchange.getRequestHeaders().getFirst("Authorization")));
        try (exchange) {
            if (path.startsWith("/api/models/")) {
                revisionApi(exchange, path.substring("/api/models/".length()));
            } else if (path.startsWith("/cdn/")) {
                byte[] body = cdn.get(path);
                send(exchange, body == null ? 404 : 200, body == null ? new byte[0] : body);
            } else if (path.contains("/resolve/")) {
                resolveFile(exchange, path.substring(1));
            } else {
                send(exchange, 404, new byte[0]);
            }
        }
    }

    private void revisionApi(HttpExchange exchange, String rest) throws IOException {
        int marker = rest.indexOf("/revision/");
        Repo repo = marker < 0 ? null : repos.get(rest.substring(0, marker));
        String commit = repo == null ? null : repo.revisionToCommit().get(rest.substring(marker + "/revision/".length()));
        if (commit == null) {
            sendJson(exchange, 404, JSON.createObjectNode().put("error", "Revision Not Found"));
            return;
        }
        ObjectNode body = JSON.createObjectNode().put("id", rest.substring(0, marker)).put("sha", commit)
                .put("gated", repo.requiredToken() != null ? "manual" : "false");
        ArrayNode siblings = body.putArray("siblings");
        repo.filesByCommit().get(commit).forEach((name, bytes) -> {
            ObjectNode sibling = siblings.addObject().put("rfilename", name).put("size", bytes.length);
            if (name.endsWith(".safetensors")) {
                sibling.putObject("lfs").put("sha256", sha256(bytes)).put("size", bytes.length);
            }
        });
        sendJson(exchange, 200, body);
    }

    private void resolveFile(HttpExchange exchange, String rest) throws IOException {
        int marker = rest.indexOf("/resolve/");
        Repo repo = repos.get(rest.substring(0, marker));
        String[] commitAndFile = rest.substring(marker + "/resolve/".length()).split("/", 2);
        if (repo == null) {
            send(exchange, 404, new byte[0]);
            return;
        }
        if (repo.requiredToken() != null
                && !("Bearer " + repo.requiredToken()).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
            sendJson(exchange, 401, JSON.createObjectNode().put("error", "Access to model is restricted"));
            return;
        }
        String commit = repo.revisionToCommit().get(commitAndFile[0]);
        byte[] bytes = commit == null ? null : repo.filesByCommit().get(commit).get(commitAndFile[1]);
        if (bytes == null) {
            send(exchange, 404, new byte[0]);
            return;
        }
        int truncate = truncateDownloadsBy;
        byte[] served = truncate > 0 ? java.util.Arrays.copyOf(bytes, Math.max(0, bytes.length - truncate)) : bytes;
        if (commitAndFile[1].endsWith(".safetensors")) {
            String location = "/cdn/" + sha256(bytes) + "/" + commitAndFile[1];
            cdn.put(location, served);
            exchange.getResponseHeaders().add("Location", location);
            send(exchange, 302, new byte[0]);
            return;
        }
        send(exchange, 200, served);
    }

    private static void sendJson(HttpExchange exchange, int status, ObjectNode body) throws IOException {
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        send(exchange, status, JSON.writeValueAsBytes(body));
    }

    private static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
