package io.textintel.connectors.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchAsyncClient;
import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.json.jackson.JacksonJsonpMapper;
import co.elastic.clients.transport.ElasticsearchTransport;
import co.elastic.clients.transport.TransportUtils;
import co.elastic.clients.transport.rest_client.RestClientTransport;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.HexFormat;
import java.util.Locale;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.http.Header;
import org.apache.http.HttpHost;
import org.apache.http.auth.AuthScope;
import org.apache.http.auth.UsernamePasswordCredentials;
import org.apache.http.impl.client.BasicCredentialsProvider;
import org.apache.http.impl.nio.client.HttpAsyncClientBuilder;
import org.apache.http.message.BasicHeader;
import org.elasticsearch.client.RestClient;
import org.elasticsearch.client.RestClientBuilder;

/**
 * The settings needed to reach an Elasticsearch cluster: node URLs, credentials and timeouts.
 *
 * <p>The sink, the index template installer and the command line build their clients from the
 * same connection so they cannot disagree about where the cluster is. Every node URL must be
 * {@code http} or {@code https} with a host; all nodes share one path prefix (for clusters behind
 * a proxy at {@code https://proxy/es}). For {@code https} nodes, {@link Tls} says which
 * certificates are trusted: the JVM's trust store, a CA certificate (its PEM text travels with the
 * connection, so task managers need no copy of the file) or a CA's SHA-256 fingerprint.
 *
 * @param hosts the node URLs, at least one
 * @param auth how requests authenticate
 * @param connectTimeout how long to wait for a TCP connection
 * @param socketTimeout how long to wait for a response once connected
 * @param tls which server certificates {@code https} connections trust
 */
public record ElasticsearchConnection(
        List<URI> hosts, Auth auth, Duration connectTimeout, Duration socketTimeout, Tls tls)
        implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Connect timeout when none is given. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);

    /** Socket timeout when none is given; long enough for a large bulk request on a busy node. */
    public static final Duration DEFAULT_SOCKET_TIMEOUT = Duration.ofSeconds(60);

    public ElasticsearchConnection {
        Objects.requireNonNull(hosts, "hosts");
        Objects.requireNonNull(auth, "auth");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(socketTimeout, "socketTimeout");
        Objects.requireNonNull(tls, "tls");
        if (hosts.isEmpty()) {
            throw new IllegalArgumentException("Hosts cannot be empty.");
        }
        hosts = List.copyOf(hosts);
        String pathPrefix = null;
        for (URI host : hosts) {
            checkHost(host);
            String path = pathOf(host);
            if (pathPrefix != null && !pathPrefix.equals(path)) {
                throw new IllegalArgumentException(String.format(
                        "Host %s has path prefix '%s', expected '%s' like the other hosts.",
                        host, path, pathPrefix));
            }
            pathPrefix = path;
        }
        checkPositive(connectTimeout, "Connect timeout");
        checkPositive(socketTimeout, "Socket timeout");
    }

    /** A connection that trusts the JVM's trust store for {@code https} nodes. */
    public ElasticsearchConnection(List<URI> hosts, Auth auth, Duration connectTimeout, Duration socketTimeout) {
        this(hosts, auth, connectTimeout, socketTimeout, Tls.systemTrust());
    }

    /** A connection without authentication and with the default timeouts. */
    public static ElasticsearchConnection of(String... hosts) {
        return new ElasticsearchConnection(
                parseHosts(List.of(hosts)), Auth.none(), DEFAULT_CONNECT_TIMEOUT, DEFAULT_SOCKET_TIMEOUT);
    }

    /**
     * The connection the {@link ElasticsearchSinkOptions} keys describe: hosts, optional basic
     * auth or API key, optional CA certificate file or CA fingerprint, and timeouts.
     *
     * @throws IllegalArgumentException when hosts are missing or credentials are incomplete
     */
    public static ElasticsearchConnection fromConfiguration(ReadableConfig config) {
        List<String> hosts = config.getOptional(ElasticsearchSinkOptions.HOSTS).orElseThrow(
                () -> new IllegalArgumentException("Hosts cannot be empty."));
        String username = config.get(ElasticsearchSinkOptions.USERNAME);
        String password = config.get(ElasticsearchSinkOptions.PASSWORD);
        String apiKey = config.get(ElasticsearchSinkOptions.API_KEY);
        if ((username == null) != (password == null)) {
            throw new IllegalArgumentException("Only one of " + ElasticsearchSinkOptions.USERNAME.key()
                    + " and " + ElasticsearchSinkOptions.PASSWORD.key() + " is set, expected both or neither.");
        }
        if (username != null && apiKey != null) {
            throw new IllegalArgumentException("Both basic auth and " + ElasticsearchSinkOptions.API_KEY.key()
                    + " are set, expected one of them.");
        }
        Auth auth = username != null ? Auth.basic(username, password)
                : apiKey != null ? Auth.apiKey(apiKey)
                : Auth.none();
        return new ElasticsearchConnection(parseHosts(hosts), auth,
                config.get(ElasticsearchSinkOptions.CONNECT_TIMEOUT),
                config.get(ElasticsearchSinkOptions.SOCKET_TIMEOUT),
                Tls.of(config.get(ElasticsearchSinkOptions.CA_CERTIFICATE),
                        config.get(ElasticsearchSinkOptions.CA_FINGERPRINT)));
    }

    /**
     * Parses node URLs such as {@code http://127.0.0.1:9200}.
     *
     * @throws IllegalArgumentException naming the URL that is not an http(s) URL with a host
     */
    public static List<URI> parseHosts(List<String> hosts) {
        Objects.requireNonNull(hosts, "hosts");
        if (hosts.isEmpty()) {
            throw new IllegalArgumentException("Hosts cannot be empty.");
        }
        List<URI> uris = new ArrayList<>(hosts.size());
        for (String host : hosts) {
            if (host == null || host.isBlank()) {
                throw new IllegalArgumentException(
                        "Host '" + host + "' is not a URL, expected e.g. http://localhost:9200.");
            }
            URI uri;
            try {
                uri = new URI(host.trim());
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException(
                        "Host '" + host + "' is not a URL, expected e.g. http://localhost:9200.", e);
            }
            checkHost(uri);
            uris.add(uri);
        }
        return uris;
    }

    /** This connection with other credentials. */
    public ElasticsearchConnection withAuth(Auth newAuth) {
        return new ElasticsearchConnection(hosts, newAuth, connectTimeout, socketTimeout, tls);
    }

    /** This connection with other timeouts. */
    public ElasticsearchConnection withTimeouts(Duration connect, Duration socket) {
        return new ElasticsearchConnection(hosts, auth, connect, socket, tls);
    }

    /** This connection trusting other server certificates. */
    public ElasticsearchConnection withTls(Tls newTls) {
        return new ElasticsearchConnection(hosts, auth, connectTimeout, socketTimeout, newTls);
    }

    /** The node URL, or the list of them when there are several, for messages. */
    public String describeHosts() {
        return hosts.size() == 1 ? hosts.get(0).toString() : hosts.toString();
    }

    /** A new low-level REST client; the caller closes it (closing a transport built on it does). */
    public RestClient createRestClient() {
        HttpHost[] httpHosts = hosts.stream()
                .map(uri -> new HttpHost(uri.getHost(), portOf(uri), uri.getScheme()))
                .toArray(HttpHost[]::new);
        RestClientBuilder builder = RestClient.builder(httpHosts)
                .setRequestConfigCallback(config -> config
                        .setConnectTimeout(Math.toIntExact(connectTimeout.toMillis()))
                        .setSocketTimeout(Math.toIntExact(socketTimeout.toMillis())));
        String pathPrefix = pathOf(hosts.get(0));
        if (!pathPrefix.isEmpty()) {
            builder.setPathPrefix(pathPrefix);
        }
        builder.setDefaultHeaders(auth.headers());
        builder.setHttpClientConfigCallback(client -> {
            auth.configure(client);
            tls.configure(client);
            return client;
        });
        return builder.build();
    }

    /** A new transport with Jackson JSON mapping; closing it closes its HTTP connections. */
    public ElasticsearchTransport createTransport() {
        return new RestClientTransport(createRestClient(), new JacksonJsonpMapper());
    }

    /** A new blocking client, for setup work such as installing index templates; close it. */
    public ElasticsearchClient createClient() {
        return new ElasticsearchClient(createTransport());
    }

    /** A new asynchronous client, as the sink writer uses; close it. */
    public ElasticsearchAsyncClient createAsyncClient() {
        return new ElasticsearchAsyncClient(createTransport());
    }

    private static void checkHost(URI host) {
        Objects.requireNonNull(host, "host");
        String scheme = host.getScheme();
        if (scheme == null
                || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
                || host.getHost() == null) {
            throw new IllegalArgumentException("Host '" + host
                    + "' is not an http or https URL with a host name, expected e.g. http://localhost:9200.");
        }
        if (host.getQuery() != null || host.getFragment() != null || host.getUserInfo() != null) {
            throw new IllegalArgumentException("Host '" + host
                    + "' has a query, fragment or user info, expected scheme://host:port[/path]"
                    + " (give credentials through Auth).");
        }
    }

    private static int portOf(URI uri) {
        if (uri.getPort() >= 0) {
            return uri.getPort();
        }
        return uri.getScheme().equalsIgnoreCase("https") ? 443 : 80;
    }

    private static String pathOf(URI uri) {
        String path = uri.getPath();
        if (path == null || path.isEmpty() || path.equals("/")) {
            return "";
        }
        return path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }

    private static void checkPositive(Duration duration, String what) {
        if (duration.isZero() || duration.isNegative() || duration.toMillis() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(String.format(
                    "%s is %s, expected a positive duration of at most %d ms.",
                    what, duration, Integer.MAX_VALUE));
        }
    }

    /** How requests authenticate; {@code toString()} never shows a secret. */
    public sealed interface Auth extends Serializable {

        /** No credentials, e.g. a local node with security off. */
        static Auth none() {
            return new None();
        }

        /** HTTP basic authentication. */
        static Auth basic(String username, String password) {
            return new Basic(username, password);
        }

        /** An Elasticsearch API key, the base64 {@code encoded} value the create-API-key call returns. */
        static Auth apiKey(String encodedKey) {
            return new ApiKey(encodedKey);
        }

        /** Applies these credentials to the HTTP client under construction. */
        default void configure(HttpAsyncClientBuilder client) {}

        /** Headers every request carries for these credentials. */
        default Header[] headers() {
            return new Header[0];
        }

        /** No credentials. */
        record None() implements Auth {
            private static final long serialVersionUID = 1L;
        }

        /** HTTP basic authentication with a user name and password. */
        record Basic(String username, String password) implements Auth {
            private static final long serialVersionUID = 1L;

            public Basic {
                if (username == null || username.isEmpty()) {
                    throw new IllegalArgumentException(
                            "Username is '" + username + "', expected a non-empty user name.");
                }
                Objects.requireNonNull(password, "password");
            }

            @Override
            public void configure(HttpAsyncClientBuilder client) {
                BasicCredentialsProvider credentials = new BasicCredentialsProvider();
                credentials.setCredentials(
                        AuthScope.ANY, new UsernamePasswordCredentials(username, password));
                client.setDefaultCredentialsProvider(credentials);
            }

            @Override
            public String toString() {
                return "Basic[username=" + username + ", password=***]";
            }
        }

        /** An API key sent as {@code Authorization: ApiKey <key>}. */
        record ApiKey(String encodedKey) implements Auth {
            private static final long serialVersionUID = 1L;

            public ApiKey {
                if (encodedKey == null || encodedKey.isBlank()) {
                    throw new IllegalArgumentException("API key is empty, expected the encoded key.");
                }
            }

            @Override
            public Header[] headers() {
                return new Header[] {new BasicHeader("Authorization", "ApiKey " + encodedKey)};
            }

            @Override
            public String toString() {
                return "ApiKey[***]";
            }
        }
    }

    /** Which server certificates {@code https} connections trust; {@code toString()} is short. */
    public sealed interface Tls extends Serializable {

        /** The JVM's default trust store (public CAs, or what {@code javax.net.ssl.trustStore} names). */
        static Tls systemTrust() {
            return new SystemTrust();
        }

        /**
         * Trusts certificates signed by the CA certificate(s) in the PEM file {@code file}, e.g. the
         * {@code http_ca.crt} Elasticsearch writes at first start.
         *
         * @throws IllegalArgumentException when the file cannot be read or holds no certificate
         */
        static Tls caCertificateFile(Path file) {
            Objects.requireNonNull(file, "file");
            String pem;
            try {
                pem = Files.readString(file, StandardCharsets.US_ASCII);
            } catch (IOException e) {
                throw new IllegalArgumentException(
                        "CA certificate file " + file + " cannot be read (" + e.getMessage()
                                + "), expected a readable PEM file.", e);
            }
            return new CaCertificate(file.toString(), pem);
        }

        /**
         * Trusts a server whose certificate chain holds a certificate with this SHA-256 fingerprint
         * (hex, colons allowed), as Elasticsearch prints at first start.
         */
        static Tls caFingerprint(String fingerprint) {
            return new CaFingerprint(fingerprint);
        }

        /**
         * The trust that a CA file or a fingerprint option describes; both null is the JVM's trust store.
         *
         * @throws IllegalArgumentException when both are set
         */
        static Tls of(String caCertificateFile, String caFingerprint) {
            boolean file = caCertificateFile != null && !caCertificateFile.isBlank();
            boolean fingerprint = caFingerprint != null && !caFingerprint.isBlank();
            if (file && fingerprint) {
                throw new IllegalArgumentException(
                        "Both a CA certificate file and a CA fingerprint are set, expected one of them.");
            }
            return file ? caCertificateFile(Path.of(caCertificateFile.trim()))
                    : fingerprint ? caFingerprint(caFingerprint)
                    : systemTrust();
        }

        /** Applies this trust to the HTTP client under construction. */
        void configure(HttpAsyncClientBuilder client);

        /** The JVM's trust store. */
        record SystemTrust() implements Tls {
            private static final long serialVersionUID = 1L;

            @Override
            public void configure(HttpAsyncClientBuilder client) {}
        }

        /** CA certificates in PEM form, with the file they came from for messages. */
        record CaCertificate(String source, String pem) implements Tls {
            private static final long serialVersionUID = 1L;

            public CaCertificate {
                Objects.requireNonNull(source, "source");
                Objects.requireNonNull(pem, "pem");
                try {
                    if (CertificateFactory.getInstance("X.509")
                            .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))
                            .isEmpty()) {
                        throw new CertificateException("no certificate found");
                    }
                } catch (CertificateException e) {
                    throw new IllegalArgumentException("CA certificate file " + source
                            + " holds no readable certificate (" + e.getMessage()
                            + "), expected PEM text starting with -----BEGIN CERTIFICATE-----.", e);
                }
            }

            @Override
            public void configure(HttpAsyncClientBuilder client) {
                client.setSSLContext(TransportUtils.sslContextFromHttpCaCrt(
                        new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII))));
            }

            @Override
            public String toString() {
                return "CaCertificate[" + source + "]";
            }
        }

        /** A CA certificate's SHA-256 fingerprint, 64 hex digits. */
        record CaFingerprint(String fingerprint) implements Tls {
            private static final long serialVersionUID = 1L;

            public CaFingerprint {
                String hex = fingerprint == null ? "" : fingerprint.replace(":", "").trim().toLowerCase(Locale.ROOT);
                if (hex.length() != 64 || !hex.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
                    throw new IllegalArgumentException("CA fingerprint is '" + fingerprint
                            + "', expected the 64 hex digits of a SHA-256 fingerprint (colons allowed).");
                }
                fingerprint = HexFormat.of().formatHex(HexFormat.of().parseHex(hex));
            }

            @Override
            public void configure(HttpAsyncClientBuilder client) {
                client.setSSLContext(TransportUtils.sslContextFromCaFingerprint(fingerprint));
            }
        }
    }
}
