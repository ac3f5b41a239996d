package io.textintel.connectors.elasticsearch;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import org.apache.flink.configuration.ReadableConfig;

/**
 * The builder of an {@link ElasticsearchSink}; {@link #build()} checks the whole configuration and
 * says what is missing or wrong.
 *
 * <p>Required: hosts (or a whole {@link ElasticsearchConnection}), a document serializer, and
 * either a fixed index or an index function. Everything else has a default:
 * {@link BulkFlushOptions#DEFAULT}, {@link RetryPolicy#DEFAULT}, the connection's default timeouts,
 * and neither a rejected-document handler nor a rejected-document sink (a permanent rejection fails
 * the job); at most one of those two may be set.
 *
 * @param <T> the element type
 */
public final class ElasticsearchSinkBuilder<T> {

    /** Characters Elasticsearch forbids in index names. */
    private static final Pattern INVALID_INDEX_CHARACTERS = Pattern.compile("[\\\\/*?\"<>| ,#:A-Z]");

    private final List<String> hosts = new ArrayList<>();
    private ElasticsearchConnection connection;
    private ElasticsearchConnection.Auth auth = ElasticsearchConnection.Auth.none();
    private Duration connectTimeout = ElasticsearchConnection.DEFAULT_CONNECT_TIMEOUT;
    private Duration socketTimeout = ElasticsearchConnection.DEFAULT_SOCKET_TIMEOUT;
    private String index;
    private IndexFunction<T> indexFunction;
    private DocumentSerializer<T> serializer;
    private int maxActions = BulkFlushOptions.DEFAULT.maxActions();
    private long maxBytes = BulkFlushOptions.DEFAULT.maxBytes();
    private Duration flushInterval = BulkFlushOptions.DEFAULT.interval();
    private int maxInFlightRequests = BulkFlushOptions.DEFAULT.maxInFlightRequests();
    private RetryPolicy retryPolicy = RetryPolicy.DEFAULT;
    private RejectedDocumentHandler.Factory rejectedHandlerFactory;
    private RejectedDocumentSink rejectedDocumentSink;

    ElasticsearchSinkBuilder() {}

    /** The node URLs, e.g. {@code http://127.0.0.1:9200}; replaces any set before. */
    public ElasticsearchSinkBuilder<T> setHosts(String... hosts) {
        return setHosts(List.of(hosts));
    }

    /** The node URLs; replaces any set before. */
    public ElasticsearchSinkBuilder<T> setHosts(List<String> hosts) {
        this.hosts.clear();
        this.hosts.addAll(Objects.requireNonNull(hosts, "hosts"));
        return this;
    }

    /**
     * A whole connection (hosts, credentials, timeouts), as shared with the template installer;
     * when set, hosts, credentials and timeouts given to this builder are not allowed.
     */
    public ElasticsearchSinkBuilder<T> setConnection(ElasticsearchConnection connection) {
        this.connection = Objects.requireNonNull(connection, "connection");
        return this;
    }

    /**
     * The connection, bulk and retry settings of {@link ElasticsearchSinkOptions}; keys that are
     * not set keep their defaults. Index, serializer and handler are still set in code.
     */
    public ElasticsearchSinkBuilder<T> setConfiguration(ReadableConfig config) {
        setConnection(ElasticsearchConnection.fromConfiguration(config));
        this.maxActions = config.get(ElasticsearchSinkOptions.BULK_MAX_ACTIONS);
        this.maxBytes = config.get(ElasticsearchSinkOptions.BULK_MAX_SIZE).getBytes();
        this.flushInterval = config.get(ElasticsearchSinkOptions.BULK_INTERVAL);
        this.maxInFlightRequests = config.get(ElasticsearchSinkOptions.BULK_MAX_IN_FLIGHT_REQUESTS);
        this.retryPolicy = new RetryPolicy(
                config.get(ElasticsearchSinkOptions.RETRY_INITIAL_BACKOFF),
                config.get(ElasticsearchSinkOptions.RETRY_MAX_BACKOFF),
                config.get(ElasticsearchSinkOptions.RETRY_MAX_DURATION));
        return this;
    }

    /** HTTP basic authentication. */
    public ElasticsearchSinkBuilder<T> setBasicAuth(String username, String password) {
        this.auth = ElasticsearchConnection.Auth.basic(username, password);
        return this;
    }

    /** API-key authentication with the encoded key. */
    public ElasticsearchSinkBuilder<T> setApiKey(String encodedKey) {
        this.auth = ElasticsearchConnection.Auth.apiKey(encodedKey);
        return this;
    }

    /** How long to wait for a TCP connection to a node. */
    public ElasticsearchSinkBuilder<T> setConnectTimeout(Duration timeout) {
        this.connectTimeout = Objects.requireNonNull(timeout, "timeout");
        return this;
    }

    /** How long to wait for a bulk response once connected. */
    public ElasticsearchSinkBuilder<T> setSocketTimeout(Duration timeout) {
        this.socketTimeout = Objects.requireNonNull(timeout, "timeout");
        return this;
    }

    /** One index (or alias, or data stream) for every element. */
    public ElasticsearchSinkBuilder<T> setIndex(String index) {
        this.index = Objects.requireNonNull(index, "index");
        return this;
    }

    /** An index chosen per element. */
    public ElasticsearchSinkBuilder<T> setIndexFunction(IndexFunction<T> indexFunction) {
        this.indexFunction = Objects.requireNonNull(indexFunction, "indexFunction");
        return this;
    }

    /** How an element becomes a document id and JSON source. */
    public ElasticsearchSinkBuilder<T> setDocumentSerializer(DocumentSerializer<T> serializer) {
        this.serializer = Objects.requireNonNull(serializer, "serializer");
        return this;
    }

    /** Most documents per bulk request. */
    public ElasticsearchSinkBuilder<T> setBulkFlushMaxActions(int maxActions) {
        this.maxActions = maxActions;
        return this;
    }

    /** Most bytes of document source per bulk request. */
    public ElasticsearchSinkBuilder<T> setBulkFlushMaxBytes(long maxBytes) {
        this.maxBytes = maxBytes;
        return this;
    }

    /** Longest time a document stays buffered before it is sent. */
    public ElasticsearchSinkBuilder<T> setBulkFlushInterval(Duration interval) {
        this.flushInterval = Objects.requireNonNull(interval, "interval");
        return this;
    }

    /** Most bulk requests outstanding per writer before {@code write} waits. */
    public ElasticsearchSinkBuilder<T> setMaxInFlightRequests(int maxInFlightRequests) {
        this.maxInFlightRequests = maxInFlightRequests;
        return this;
    }

    /**
     * Retries of 429, 5xx and connection failures with capped exponential backoff and jitter, and of
     * 401, 403 and missing indices at the max backoff, each document for at most
     * {@code maxDuration} ({@link Duration#ZERO}: no limit); see {@link RetryPolicy}.
     */
    public ElasticsearchSinkBuilder<T> setRetryPolicy(
            Duration initialBackoff, Duration maxBackoff, Duration maxDuration) {
        this.retryPolicy = new RetryPolicy(initialBackoff, maxBackoff, maxDuration);
        return this;
    }

    /** Where documents go that the cluster rejects for good, instead of failing the job. */
    public ElasticsearchSinkBuilder<T> setRejectedDocumentHandler(
            RejectedDocumentHandler.Factory factory) {
        this.rejectedHandlerFactory = Objects.requireNonNull(factory, "factory");
        return this;
    }

    /**
     * Where documents go that the cluster rejects for good, published exactly once through the
     * job graph (see {@link ElasticsearchSink}); instead of a handler.
     */
    public ElasticsearchSinkBuilder<T> setRejectedDocumentSink(RejectedDocumentSink sink) {
        this.rejectedDocumentSink = Objects.requireNonNull(sink, "sink");
        return this;
    }

    /**
     * The sink.
     *
     * @throws IllegalArgumentException naming the setting that is missing or wrong
     */
    public ElasticsearchSink<T> build() {
        if (serializer == null) {
            throw new IllegalArgumentException(
                    "Document serializer must be set, e.g. setDocumentSerializer(new EnrichedDocumentSerializer()).");
        }
        if (rejectedHandlerFactory != null && rejectedDocumentSink != null) {
            throw new IllegalArgumentException("Both a rejected-document handler and a rejected-document sink"
                    + " were set, expected one: the sink publishes exactly once, the handler at least once.");
        }
        return new ElasticsearchSink<>(
                buildConnection(),
                serializer,
                buildIndexFunction(),
                new BulkFlushOptions(maxActions, maxBytes, flushInterval, maxInFlightRequests),
                retryPolicy,
                rejectedHandlerFactory,
                rejectedDocumentSink);
    }

    /**
     * A {@link CommittedIndexingSink} with this builder's connection, index, serializer, bulk size
     * ({@code setBulkFlushMaxActions}) and retry policy, which indexes each element when the checkpoint
     * that holds it completes. Byte limits, the flush interval, in-flight requests and rejected-document
     * handling do not apply to it: a document it cannot index fails the job.
     *
     * @throws IllegalArgumentException naming the setting that is missing or wrong
     */
    public CommittedIndexingSink<T> buildCommitted() {
        if (serializer == null) {
            throw new IllegalArgumentException(
                    "Document serializer must be set, e.g. setDocumentSerializer(new DriftReportSerializer()).");
        }
        if (rejectedHandlerFactory != null || rejectedDocumentSink != null) {
            throw new IllegalArgumentException("A rejected-document handler or sink was set, but a committed sink"
                    + " fails the job for a document it cannot index; set none.");
        }
        return new CommittedIndexingSink<>(buildConnection(), serializer, buildIndexFunction(), maxActions,
                retryPolicy);
    }

    private ElasticsearchConnection buildConnection() {
        if (connection != null) {
            if (!hosts.isEmpty()
                    || !(auth instanceof ElasticsearchConnection.Auth.None)
                    || !connectTimeout.equals(ElasticsearchConnection.DEFAULT_CONNECT_TIMEOUT)
                    || !socketTimeout.equals(ElasticsearchConnection.DEFAULT_SOCKET_TIMEOUT)) {
                throw new IllegalArgumentException("Connection " + connection
                        + " was set together with hosts, credentials or timeouts; set one or the other.");
            }
            return connection;
        }
        if (hosts.isEmpty()) {
            throw new IllegalArgumentException("Hosts cannot be empty.");
        }
        return new ElasticsearchConnection(
                ElasticsearchConnection.parseHosts(hosts), auth, connectTimeout, socketTimeout);
    }

    private IndexFunction<T> buildIndexFunction() {
        if (index != null && indexFunction != null) {
            throw new IllegalArgumentException("Both index '" + index
                    + "' and an index function were set, expected one of them.");
        }
        if (indexFunction != null) {
            return indexFunction;
        }
        if (index == null) {
            throw new IllegalArgumentException(
                    "Index must be set: call setIndex(name) or setIndexFunction(function).");
        }
        checkIndexName(index);
        String fixedIndex = index;
        return element -> fixedIndex;
    }

    private static void checkIndexName(String index) {
        if (index.isEmpty()
                || INVALID_INDEX_CHARACTERS.matcher(index).find()
                || index.startsWith("-") || index.startsWith("_") || index.startsWith("+")
                || index.equals(".") || index.equals("..")) {
            throw new IllegalArgumentException("Index '" + index + "' is not a valid index name,"
                    + " expected lowercase without \\ / * ? \" < > | space , # : and not starting"
                    + " with -, _ or +.");
        }
    }
}
