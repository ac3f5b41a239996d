package io.textintel.connectors.elasticsearch;

import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.MemorySize;

/**
 * The configuration keys of the Elasticsearch connection and sink, for jobs configured through a
 * Flink {@link org.apache.flink.configuration.Configuration}; see
 * {@link ElasticsearchSinkBuilder#setConfiguration} and {@link ElasticsearchConnection#fromConfiguration}.
 */
public final class ElasticsearchSinkOptions {

    public static final ConfigOption<List<String>> HOSTS = ConfigOptions.key("elasticsearch.hosts")
            .stringType()
            .asList()
            .noDefaultValue()
            .withDescription("Node URLs, e.g. http://127.0.0.1:9200;https://es-2:9200.");

    public static final ConfigOption<String> USERNAME = ConfigOptions.key("elasticsearch.username")
            .stringType()
            .noDefaultValue()
            .withDescription("User for HTTP basic authentication; needs elasticsearch.password.");

    public static final ConfigOption<String> PASSWORD = ConfigOptions.key("elasticsearch.password")
            .stringType()
            .noDefaultValue()
            .withDescription("Password for HTTP basic authentication.");

    public static final ConfigOption<String> API_KEY = ConfigOptions.key("elasticsearch.api-key")
            .stringType()
            .noDefaultValue()
            .withDescription("Encoded API key; an alternative to user and password.");

    public static final ConfigOption<String> CA_CERTIFICATE = ConfigOptions.key("elasticsearch.ca-certificate")
            .stringType()
            .noDefaultValue()
            .withDescription("PEM file of the CA that signed the nodes' HTTP certificates (e.g. http_ca.crt);"
                    + " without it and elasticsearch.ca-fingerprint the JVM's trust store is used.");

    public static final ConfigOption<String> CA_FINGERPRINT = ConfigOptions.key("elasticsearch.ca-fingerprint")
            .stringType()
            .noDefaultValue()
            .withDescription("SHA-256 fingerprint (hex) of a certificate in the nodes' chain, instead of"
                    + " elasticsearch.ca-certificate.");

    public static final ConfigOption<Duration> CONNECT_TIMEOUT = ConfigOptions.key("elasticsearch.connect-timeout")
            .durationType()
            .defaultValue(ElasticsearchConnection.DEFAULT_CONNECT_TIMEOUT)
            .withDescription("How long to wait for a TCP connection to a node.");

    public static final ConfigOption<Duration> SOCKET_TIMEOUT = ConfigOptions.key("elasticsearch.socket-timeout")
            .durationType()
            .defaultValue(ElasticsearchConnection.DEFAULT_SOCKET_TIMEOUT)
            .withDescription("How long to wait for a response once connected.");

    public static final ConfigOption<Integer> BULK_MAX_ACTIONS = ConfigOptions.key("elasticsearch.bulk.max-actions")
            .intType()
            .defaultValue(BulkFlushOptions.DEFAULT.maxActions())
            .withDescription("Most documents per bulk request.");

    public static final ConfigOption<MemorySize> BULK_MAX_SIZE = ConfigOptions.key("elasticsearch.bulk.max-size")
            .memoryType()
            .defaultValue(new MemorySize(BulkFlushOptions.DEFAULT.maxBytes()))
            .withDescription("Most bytes of document source per bulk request.");

    public static final ConfigOption<Duration> BULK_INTERVAL = ConfigOptions.key("elasticsearch.bulk.interval")
            .durationType()
            .defaultValue(BulkFlushOptions.DEFAULT.interval())
            .withDescription("Longest time a document stays buffered before it is sent.");

    public static final ConfigOption<Integer> BULK_MAX_IN_FLIGHT_REQUESTS =
            ConfigOptions.key("elasticsearch.bulk.max-in-flight-requests")
                    .intType()
                    .defaultValue(BulkFlushOptions.DEFAULT.maxInFlightRequests())
                    .withDescription("Most bulk requests outstanding per writer before writes wait.");

    public static final ConfigOption<Duration> RETRY_MAX_DURATION = ConfigOptions.key("elasticsearch.retry.max-duration")
            .durationType()
            .defaultValue(RetryPolicy.DEFAULT.maxDuration())
            .withDescription("How long a document may keep failing (connection errors, timeouts, 429, 5xx, 401,"
                    + " 403, missing index) before the job fails; 0 for no limit. Writes wait meanwhile.");

    public static final ConfigOption<Duration> RETRY_INITIAL_BACKOFF =
            ConfigOptions.key("elasticsearch.retry.initial-backoff")
                    .durationType()
                    .defaultValue(RetryPolicy.DEFAULT.initialBackoff())
                    .withDescription("Wait before the first retry; doubles per retry, with jitter.");

    public static final ConfigOption<Duration> RETRY_MAX_BACKOFF = ConfigOptions.key("elasticsearch.retry.max-backoff")
            .durationType()
            .defaultValue(RetryPolicy.DEFAULT.maxBackoff())
            .withDescription("Longest wait between two attempts; also the wait between attempts refused"
                    + " for want of a privilege or an index.");

    private ElasticsearchSinkOptions() {}
}
