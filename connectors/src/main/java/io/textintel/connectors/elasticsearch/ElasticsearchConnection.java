package io.textintel.connectors.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchAsyncClient;
import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.json.jackson.JacksonJsonpMapper;
import co.elastic.clients.transport.ElasticsearchTransport;
import co.elastic.clients.transport.rest_client.RestClientTransport;
import java.io.Serializable;
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
import org.apache.http.message.BasicHeader;
import org.elasticsearch.client.RestClient;
import org.elasticsearch.client.RestClientBuilder;

/**
 * The settings needed to reach an Elasticsearch cluster: node URLs, credentials and timeouts.
 *
 * <p>The sink, the index template installer and the command line build their clients from the
 * same connection so they cannot disagree about where the cluster is. Every node URL must be
 * {@code http} or {@code https} with a host; all nodes share one path prefix (for clusters behind
 * a proxy at {@code https://proxy/es}). TLS uses the JVM's trust store.
 *
 * @param hosts the node URLs, at least one
 * @param auth how requests authenticate
 * @param connectTimeout how long to wait for a TCP connection
 * @param socketTimeout how long to wait for a response once connected
 */
public record ElasticsearchConnection(
        List<URI> hosts, Auth auth, Duration connectTimeout, Duration socketTimeout)
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

    /** A connection without authentication and with the default timeouts. */
    public static ElasticsearchConnection of(String... hosts) {
        return new ElasticsearchConnection(
                parseHosts(List.of(hosts)), Auth.none(), DEFAULT_CONNECT_TIMEOUT, DEFAULT_SOCKET_TIMEOUT);
    }

    /**
     * The connection the {@link ElasticsearchSinkOptions} keys describe: hosts, optional basic
     * auth or API key, and timeouts.
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
                config.get(ElasticsearchSinkOptions.SOCKET_TIMEOUT));
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
        return new ElasticsearchConnection(hosts, newAuth, connectTimeout, socketTimeout);
    }

    /** This connection with other timeouts. */
    public ElasticsearchConnection withTimeouts(Duration connect, Duration socket) {
        return new ElasticsearchConnection(hosts, auth, connect, socket);
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
        auth.configure(builder);
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

        /** Applies these credentials to a REST client under construction. */
        void configure(RestClientBuilder builder);

        /** No credentials. */
        record None() implements Auth {
            private static final long serialVersionUID = 1L;

            @Override
            public void configure(RestClientBuilder builder) {}
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
            public void configure(RestClientBuilder builder) {
                BasicCredentialsProvider credentials = new BasicCredentialsProvider();
                credentials.setCredentials(
                        AuthScope.ANY, new UsernamePasswordCredentials(username, password));
                builder.setHttpClientConfigCallback(
                        client -> client.setDefaultCredentialsProvider(credentials));
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
            public void configure(RestClientBuilder builder) {
                builder.setDefaultHeaders(
                        new Header[] {new BasicHeader("Authorization", "ApiKey " + encodedKey)});
            }

            @Override
            public String toString() {
                return "ApiKey[***]";
            }
        }
    }
}
