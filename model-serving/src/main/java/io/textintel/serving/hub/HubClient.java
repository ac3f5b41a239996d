package io.textintel.serving.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Downloads model files from the Hugging Face Hub into a local cache, pinned to a commit, and
 * serves them from the cache when offline.
 *
 * <p>{@link #resolve} asks the hub which commit a revision points at and which files it holds,
 * downloads the requested ones that are not cached yet (to a temporary file, checked against the
 * hub's size and LFS sha256, then moved into place), records the revision's ref, and returns the
 * snapshot directory. Offline ({@code HF_HUB_OFFLINE=1} or {@link Builder#offline}), or when the hub
 * cannot be reached, a cached snapshot of the revision is used, else a {@link HubException} says
 * what to do. The cache layout is that of huggingface_hub, so either can fill it.
 */
public final class HubClient implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HubClient.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * The files a model needs; never PyTorch pickles. {@code chat_template.jinja} is where newer
     * instruction models keep their chat template instead of {@code tokenizer_config.json}.
     */
    public static final List<String> DEFAULT_FILES = List.of(
            "config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt",
            "chat_template.jinja", "modules.json", "1_Pooling/config.json", "config_sentence_transformers.json", "sentence_bert_config.json",
            "*.safetensors", "model.safetensors.index.json");

    public static final URI DEFAULT_ENDPOINT = URI.create("https://huggingface.co");

    private static final Pattern MODEL_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?");

    private final URI endpoint;
    private final String token;
    private final HubCache cache;
    private final boolean offline;
    private final Duration requestTimeout;
    private final ExecutorService executor;
    private final HttpClient http;

    private HubClient(Builder builder) {
        this.endpoint = builder.endpoint;
        this.token = builder.token;
        this.cache = new HubCache(builder.cacheDir);
        this.offline = builder.offline;
        this.requestTimeout = builder.requestTimeout;
        AtomicInteger threads = new AtomicInteger();
        this.executor = Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, "hub-http-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        this.http = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(builder.connectTimeout)
                .executor(executor)
                .build();
    }

    /** A builder with defaults from the environment: HF_ENDPOINT, HF_TOKEN, HF_HUB_CACHE, HF_HUB_OFFLINE. */
    public static Builder builder() {
        return builder(System.getenv());
    }

    static Builder builder(Map<String, String> environment) {
        return new Builder(environment);
    }

    /** {@link #resolve(String, String, List)} with {@link #DEFAULT_FILES}. */
    public Path resolve(String modelId, String revision) throws IOException {
        return resolve(modelId, revision, DEFAULT_FILES);
    }

    /**
     * The local directory holding {@code modelId} at {@code revision}: the snapshot directory of the
     * cache, after downloading the files that match {@code filePatterns} (globs such as
     * {@code *.safetensors}; {@code *} does not cross {@code /}). A {@code modelId} naming a local
     * directory with a {@code config.json} is returned as it is.
     *
     * @param revision a branch, tag or commit sha; null means {@code main}
     * @throws HubException when the model cannot be had; its kind says why
     * @throws IllegalArgumentException if the model id or revision is malformed
     */
    public Path resolve(String modelId, String revision, List<String> filePatterns) throws IOException {
        Optional<Path> local = localDirectory(modelId);
        if (local.isPresent()) {
            return local.get();
        }
        String rev = revision == null ? "main" : revision;
        validate(modelId, rev);
        if (offline) {
            return cached(modelId, rev, "offline mode is on (HF_HUB_OFFLINE)", null);
        }
        RepoInfo info;
        try {
            info = fetchInfo(modelId, rev);
        } catch (HubException e) {
            throw e;
        } catch (IOException e) {
            return cached(modelId, rev, "the hub " + endpoint + " cannot be reached (" + e + ")", e);
        }
        try {
            return download(modelId, rev, info, filePatterns);
        } catch (HubException e) {
            throw e;
        } catch (IOException e) {
            throw new HubException(HubException.Kind.TRANSFER, "downloading " + modelId + " at " + rev + " (commit "
                    + info.commit() + ") from " + endpoint + " into " + cache.root() + " failed: " + e, e);
        }
    }

    private Optional<Path> localDirectory(String modelId) {
        if (modelId == null || modelId.isBlank()) {
            throw new IllegalArgumentException("model id is '" + modelId + "', expected org/name or a local directory");
        }
        Path path;
        try {
            path = Path.of(modelId);
        } catch (java.nio.file.InvalidPathException e) {
            return Optional.empty();
        }
        if (!Files.isDirectory(path)) {
            return Optional.empty();
        }
        if (!Files.isRegularFile(path.resolve("config.json"))) {
            throw new IllegalArgumentException("local model directory " + path.toAbsolutePath()
                    + " has no config.json, expected a Hugging Face model directory");
        }
        return Optional.of(path);
    }

    private static void validate(String modelId, String revision) {
        if (!MODEL_ID.matcher(modelId).matches() || modelId.contains("..") || modelId.contains("--")) {
            throw new IllegalArgumentException(
                    "model id is '" + modelId + "', expected 'org/name' or 'name' (letters, digits, '.', '_', '-')");
        }
        if (revision.isBlank() || revision.contains("..") || revision.startsWith("/") || revision.contains("\\")) {
            throw new IllegalArgumentException("revision is '" + revision + "', expected a branch, tag or commit sha");
        }
    }

    private Path cached(String modelId, String revision, String reason, IOException cause) throws IOException {
        Optional<Path> snapshot = cache.cachedSnapshot(modelId, revision);
        if (snapshot.isPresent()) {
            LOG.info("Using cached {} at {} from {}: {}", modelId, revision, snapshot.get(), reason);
            return snapshot.get();
        }
        String message = String.format(Locale.ROOT, "model %s at revision %s is not in the cache %s and %s; download it"
                        + " on a connected machine (HF_HUB_CACHE pointing at a copied cache works too), or set"
                        + " HF_ENDPOINT to a reachable hub mirror", modelId, revision, cache.root(), reason);
        throw new HubException(HubException.Kind.NOT_CACHED, message, cause);
    }

    /** The commit and file listing of a revision. */
    private record RepoInfo(String commit, List<RepoFile> files) {}

    /** One file of a repository, with the size and LFS checksum the hub lists when known. */
    private record RepoFile(String name, OptionalLong size, Optional<String> sha256) {}

    private RepoInfo fetchInfo(String modelId, String revision) throws IOException {
        URI uri = URI.create(endpoint + "/api/models/" + modelId + "/revision/"
                + URLEncoder.encode(revision, StandardCharsets.UTF_8) + "?blobs=true");
        HttpResponse<byte[]> response = send(request(uri), HttpResponse.BodyHandlers.ofByteArray());
        checkStatus(response.statusCode(), modelId, revision, uri);
        JsonNode root = JSON.readTree(response.body());
        String commit = root.path("sha").asText("");
        if (!HubCache.isCommit(commit)) {
            throw new HubException(HubException.Kind.TRANSFER,
                    "the hub answered " + uri + " with sha '" + commit + "', expected a 40-digit commit sha");
        }
        List<RepoFile> files = new ArrayList<>();
        for (JsonNode sibling : root.path("siblings")) {
            String name = sibling.path("rfilename").asText("");
            if (name.isEmpty() || name.startsWith("/") || name.contains("..") || name.contains("\\")) {
                throw new HubException(HubException.Kind.TRANSFER,
                        "the hub lists a file '" + name + "' for " + modelId + ", expected a relative path");
            }
            JsonNode size = sibling.has("size") ? sibling.get("size") : sibling.path("lfs").path("size");
            JsonNode sha256 = sibling.path("lfs").path("sha256");
            files.add(new RepoFile(name,
                    size.isIntegralNumber() ? OptionalLong.of(size.longValue()) : OptionalLong.empty(),
                    sha256.isTextual() ? Optional.of(sha256.textValue()) : Optional.empty()));
        }
        return new RepoInfo(commit, files);
    }

    private Path download(String modelId, String revision, RepoInfo info, List<String> filePatterns)
            throws IOException {
        List<PathMatcher> matchers = filePatterns.stream()
                .map(pattern -> FileSystems.getDefault().getPathMatcher("glob:" + pattern))
                .toList();
        Path snapshot = cache.snapshotDir(modelId, info.commit());
        List<RepoFile> wanted = info.files().stream()
                .filter(file -> matchers.stream().anyMatch(matcher -> matcher.matches(Path.of(file.name()))))
                .toList();
        if (wanted.isEmpty()) {
            throw new HubException(HubException.Kind.NOT_FOUND, "model " + modelId + " at revision " + revision
                    + " holds none of the files " + filePatterns + "; it has " + info.files().stream()
                            .map(RepoFile::name).limit(20).toList());
        }
        int downloaded = 0;
        for (RepoFile file : wanted) {
            Path target = snapshot.resolve(file.name());
            if (Files.isRegularFile(target)
                    && (file.size().isEmpty() || Files.size(target) == file.size().getAsLong())) {
                continue;
            }
            fetchFile(modelId, info.commit(), file, target);
            downloaded++;
        }
        Files.createDirectories(snapshot);
        cache.writeRef(modelId, revision, info.commit());
        LOG.info("Resolved {} at {} to commit {} in {} ({} files downloaded)",
                modelId, revision, info.commit(), snapshot, downloaded);
        return snapshot;
    }

    private void fetchFile(String modelId, String commit, RepoFile file, Path target) throws IOException {
        URI uri = URI.create(endpoint + "/" + modelId + "/resolve/" + commit + "/" + encodePath(file.name()));
        Files.createDirectories(target.getParent());
        Path temp = target.resolveSibling(target.getFileName() + "." + ProcessHandle.current().pid() + "-"
                + Thread.currentThread().getId() + ".incomplete");
        try {
            HttpResponse<InputStream> response = send(request(uri), HttpResponse.BodyHandlers.ofInputStream());
            MessageDigest digest = sha256();
            try (InputStream body = response.body()) {
                checkStatus(response.statusCode(), modelId, commit, uri);
                try (DigestInputStream in = new DigestInputStream(body, digest)) {
                    Files.copy(in, temp, StandardCopyOption.REPLACE_EXISTING);
                }
            }
            long size = Files.size(temp);
            OptionalLong expected = file.size().isPresent() ? file.size()
                    : response.headers().firstValueAsLong("Content-Length");
            if (expected.isPresent() && expected.getAsLong() != size) {
                throw new HubException(HubException.Kind.TRANSFER, "downloaded " + size + " bytes of " + file.name()
                        + " from " + uri + ", expected " + expected.getAsLong());
            }
            String actual = HexFormat.of().formatHex(digest.digest());
            if (file.sha256().isPresent() && !file.sha256().get().equalsIgnoreCase(actual)) {
                throw new HubException(HubException.Kind.TRANSFER, "downloaded " + file.name() + " from " + uri
                        + " has sha256 " + actual + ", expected " + file.sha256().get());
            }
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            LOG.debug("Downloaded {} ({} bytes) to {}", uri, size, target);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private static String encodePath(String name) {
        String[] parts = name.split("/");
        for (int i = 0; i < parts.length; i++) {
            parts[i] = URLEncoder.encode(parts[i], StandardCharsets.UTF_8).replace("+", "%20");
        }
        return String.join("/", parts);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM, which every Java platform must provide", e);
        }
    }

    private HttpRequest request(URI uri) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(requestTimeout)
                .header("User-Agent", "textintel-hub-client/1.0; java/" + Runtime.version().feature())
                .GET();
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return request.build();
    }

    private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) throws IOException {
        try {
            return http.send(request, handler);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while requesting " + request.uri());
        }
    }

    private void checkStatus(int status, String modelId, String revision, URI uri) throws IOException {
        if (status == 200) {
            return;
        }
        if (status == 401 || status == 403) {
            throw new HubException(HubException.Kind.UNAUTHORIZED, "the hub refused " + uri + " with HTTP " + status
                    + ": model " + modelId + " is gated or private; "
                    + (token == null ? "set HF_TOKEN to a token with access" : "the token in use has no access to it"));
        }
        if (status == 404) {
            throw new HubException(HubException.Kind.NOT_FOUND, "model " + modelId + " at revision " + revision
                    + " does not exist on " + endpoint + " (HTTP 404 for " + uri + ")");
        }
        // Any other status (5xx, an unexpected 3xx) means the hub is not usable right now.
        throw new IOException("HTTP " + status + " for " + uri);
    }

    /** Releases the HTTP client's threads. */
    @Override
    public void close() {
        executor.shutdownNow();
    }

    /** Builds a {@link HubClient}; defaults come from the environment given to {@link HubClient#builder()}. */
    public static final class Builder {
        private URI endpoint;
        private String token;
        private Path cacheDir;
        private boolean offline;
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration requestTimeout = Duration.ofMinutes(30);

        private Builder(Map<String, String> environment) {
            String endpointValue = environment.get("HF_ENDPOINT");
            endpoint = endpointValue == null || endpointValue.isBlank() ? DEFAULT_ENDPOINT : URI.create(endpointValue);
            String tokenValue = environment.get("HF_TOKEN");
            token = tokenValue == null || tokenValue.isBlank() ? null : tokenValue.strip();
            String cacheValue = environment.get("HF_HUB_CACHE");
            cacheDir = cacheValue == null || cacheValue.isBlank()
                    ? Path.of(System.getProperty("user.home"), ".cache", "textintel", "hub")
                    : Path.of(cacheValue);
            String offlineValue = environment.getOrDefault("HF_HUB_OFFLINE", "");
            offline = List.of("1", "true", "yes", "on").contains(offlineValue.strip().toLowerCase(Locale.ROOT));
        }

        /** The hub's base URL, e.g. {@code https://huggingface.co} or a mirror. */
        public Builder endpoint(URI value) {
            this.endpoint = value;
            return this;
        }

        /** The access token sent as {@code Authorization: Bearer}; null for none. */
        public Builder token(String value) {
            this.token = value;
            return this;
        }

        /** The cache root, holding {@code models--org--name} directories. */
        public Builder cacheDir(Path value) {
            this.cacheDir = value;
            return this;
        }

        /** When true, never contact the hub; only cached snapshots resolve. */
        public Builder offline(boolean value) {
            this.offline = value;
            return this;
        }

        public Builder connectTimeout(Duration value) {
            this.connectTimeout = value;
            return this;
        }

        /** Limit for one request, a whole file download included. */
        public Builder requestTimeout(Duration value) {
            this.requestTimeout = value;
            return this;
        }

        /**
         * @throws IllegalArgumentException if a setting is missing or malformed
         */
        public HubClient build() {
            if (endpoint == null || endpoint.getScheme() == null
                    || !List.of("http", "https").contains(endpoint.getScheme().toLowerCase(Locale.ROOT))
                    || endpoint.getHost() == null) {
                throw new IllegalArgumentException("hub endpoint is " + endpoint + ", expected an http(s) URL");
            }
            String text = endpoint.toString();
            if (text.endsWith("/")) {
                endpoint = URI.create(text.substring(0, text.length() - 1));
            }
            if (token != null && token.isBlank()) {
                throw new IllegalArgumentException("hub token is blank, expected a token or null");
            }
            if (cacheDir == null) {
                throw new IllegalArgumentException("hub cache directory is null, expected a path");
            }
            if (connectTimeout == null || connectTimeout.isNegative() || connectTimeout.isZero()
                    || requestTimeout == null || requestTimeout.isNegative() || requestTimeout.isZero()) {
                throw new IllegalArgumentException("hub timeouts are " + connectTimeout + " (connect) and "
                        + requestTimeout + " (request), expected positive durations");
            }
            return new HubClient(this);
        }
    }

    /** The cache root this client reads and fills, holding {@code models--org--name} directories. */
    public Path cacheDir() {
        return cache.root();
    }

    @Override
    public String toString() {
        return "HubClient[" + endpoint + ", cache " + cache.root() + (offline ? ", offline" : "") + "]";
    }
}
