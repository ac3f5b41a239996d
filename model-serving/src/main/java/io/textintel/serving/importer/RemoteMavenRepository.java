package io.textintel.serving.importer;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A remote Maven repository in the standard layout ({@code group/path/artifact/version/artifact-version.jar}),
 * from which a shipped model's jar is downloaded when it is on neither the classpath nor the local
 * Maven repository.
 *
 * <p>Every jar is checked against the repository's {@code .jar.sha1} before it is kept: it is
 * written to a temporary file beside its target and moved into place only when the SHA-1 matches,
 * so an interrupted or corrupt download leaves no jar behind.
 *
 * @param url the repository's root, e.g. {@value #CENTRAL}
 * @param username for HTTP basic authentication, or null for none
 * @param password the password of {@code username}; null without a username
 */
public record RemoteMavenRepository(URI url, String username, String password) {

    /** Maven Central, the default. */
    public static final String CENTRAL = "https://repo.maven.apache.org/maven2";

    private static final Logger LOG = LoggerFactory.getLogger(RemoteMavenRepository.class);
    private static final Pattern SHA1 = Pattern.compile("[0-9a-f]{40}");
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);
    /** Until the response headers arrive; the body of a large jar may take longer. */
    private static final Duration RESPONSE_TIMEOUT = Duration.ofSeconds(60);

    /**
     * @throws IllegalArgumentException naming the URL when it is not an absolute http(s) URL, or when
     *     only one of username and password is given
     */
    public RemoteMavenRepository {
        if (url == null || url.getScheme() == null || url.getHost() == null
                || !(url.getScheme().equalsIgnoreCase("http") || url.getScheme().equalsIgnoreCase("https"))) {
            throw new IllegalArgumentException("Maven repository '" + url
                    + "' is not an absolute http(s) URL, expected e.g. " + CENTRAL);
        }
        if ((username == null) != (password == null)) {
            throw new IllegalArgumentException("Maven repository " + url + " has a "
                    + (username == null ? "password but no username" : "username but no password")
                    + ", expected both or neither");
        }
        String text = url.toString();
        url = URI.create(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
    }

    /** Maven Central without credentials. */
    public static RemoteMavenRepository central() {
        return of(null, null, null);
    }

    /**
     * The repository at {@code url}, or Maven Central when {@code url} is null or blank.
     *
     * @throws IllegalArgumentException naming the URL when it is not an absolute http(s) URL
     */
    public static RemoteMavenRepository of(String url, String username, String password) {
        String value = url == null || url.isBlank() ? CENTRAL : url.strip();
        URI uri;
        try {
            uri = URI.create(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Maven repository '" + value + "' is not a URL, expected e.g. "
                    + CENTRAL, e);
        }
        return new RemoteMavenRepository(uri, username, password);
    }

    /** The URL of {@code groupId:artifactId:version}'s jar in this repository. */
    public URI jarUrl(String groupId, String artifactId, String version) {
        return URI.create(url + "/" + layoutPath(groupId, artifactId, version));
    }

    /** {@code group/path/artifact/version/artifact-version.jar}, the standard layout's path of a jar. */
    public static String layoutPath(String groupId, String artifactId, String version) {
        return groupId.replace('.', '/') + "/" + artifactId + "/" + version + "/" + artifactId + "-" + version + ".jar";
    }

    /**
     * Downloads {@code groupId:artifactId:version}'s jar to {@code target}, verified against the
     * repository's {@code .jar.sha1}, and returns {@code target}.
     *
     * @throws IOException naming the URL and the HTTP status when either file cannot be fetched, or the
     *     URL and both hashes when the jar's SHA-1 is not the published one
     */
    public Path download(String groupId, String artifactId, String version, Path target) throws IOException {
        URI jar = jarUrl(groupId, artifactId, version);
        URI sha1Url = URI.create(jar + ".sha1");
        HttpClient client = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NORMAL).build();
        String expected = expectedSha1(client, sha1Url);
        Path dir = target.toAbsolutePath().normalize().getParent();
        Files.createDirectories(dir);
        Path temp = Files.createTempFile(dir, "." + target.getFileName(), ".part");
        try {
            LOG.info("Downloading {} to {}", jar, target);
            String actual;
            try (InputStream body = get(client, jar)) {
                MessageDigest digest = sha1();
                try (InputStream in = new DigestInputStream(body, digest);
                        OutputStream out = Files.newOutputStream(temp)) {
                    in.transferTo(out);
                }
                actual = HexFormat.of().formatHex(digest.digest());
            }
            if (!actual.equals(expected)) {
                throw new IOException("the jar downloaded from " + jar + " has SHA-1 " + actual + ", expected "
                        + expected + " (from " + sha1Url + "); refused, not kept");
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            LOG.info("Downloaded {} ({} bytes, SHA-1 {})", jar, Files.size(target), actual);
            return target;
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private String expectedSha1(HttpClient client, URI sha1Url) throws IOException {
        String text;
        try (InputStream in = get(client, sha1Url)) {
            text = new String(in.readNBytes(4096), StandardCharsets.US_ASCII).strip();
        }
        // Some repositories write "<hash>  <file name>", as sha1sum does.
        String hash = text.split("\\s+", 2)[0].toLowerCase(Locale.ROOT);
        if (!SHA1.matcher(hash).matches()) {
            throw new IOException(sha1Url + " holds '" + (text.length() > 80 ? text.substring(0, 80) + "…" : text)
                    + "', expected a SHA-1 of 40 hex digits");
        }
        return hash;
    }

    /** The body of a GET that answered 200. */
    private InputStream get(HttpClient client, URI uri) throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(RESPONSE_TIMEOUT).GET();
        if (username != null) {
            request.header("Authorization", "Basic " + Base64.getEncoder()
                    .encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8)));
        }
        HttpResponse<InputStream> response;
        try {
            response = client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while fetching " + uri);
        } catch (IOException e) {
            throw new IOException("cannot fetch " + uri + ": " + e, e);
        }
        if (response.statusCode() != 200) {
            response.body().close();
            throw new IOException("GET " + uri + " answered HTTP " + response.statusCode()
                    + (response.statusCode() == 404 ? " (not found)" : "") + ", expected 200");
        }
        return response.body();
    }

    private static MessageDigest sha1() {
        try {
            return MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-1; every Java platform must", e);
        }
    }

    /** The URL and whether credentials are set; never the password. */
    @Override
    public String toString() {
        return url + (username != null ? " (as " + username + ")" : "");
    }
}
