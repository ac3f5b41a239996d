package io.textintel.sql.elasticsearch;

import io.textintel.connectors.elasticsearch.BulkFlushOptions;
import io.textintel.connectors.elasticsearch.RetryPolicy;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.MemorySize;

import java.time.Duration;
import java.util.List;

/**
 * The options of a {@code 'connector' = 'textintel-elasticsearch'} table: the connection, index and
 * vector mapping, the dead-letter topic of rejected rows, and the DataStream sink's bulk and retry
 * settings (same defaults as {@code ElasticsearchSinkOptions}).
 */
public final class ElasticsearchTableOptions {

    private ElasticsearchTableOptions() {}

    public static final ConfigOption<List<String>> HOSTS = ConfigOptions.key("hosts").stringType().asList()
            .noDefaultValue().withDescription("Node URLs, separated by ';', e.g. http://127.0.0.1:9200.");

    public static final ConfigOption<String> INDEX = ConfigOptions.key("index").stringType().noDefaultValue()
            .withDescription("The index the rows are written to.");

    public static final ConfigOption<String> USERNAME = ConfigOptions.key("username").stringType().noDefaultValue()
            .withDescription("HTTP basic authentication user.");

    public static final ConfigOption<String> PASSWORD = ConfigOptions.key("password").stringType().noDefaultValue()
            .withDescription("The password of username.");

    public static final ConfigOption<String> API_KEY = ConfigOptions.key("api-key").stringType().noDefaultValue()
            .withDescription("An encoded API key, instead of username and password.");

    public static final ConfigOption<String> VECTOR_COLUMN = ConfigOptions.key("dense-vector.column").stringType()
            .noDefaultValue()
            .withDescription("An ARRAY<FLOAT> column mapped as dense_vector (cosine, indexed for kNN) when the sink"
                    + " creates the index.");

    public static final ConfigOption<Integer> VECTOR_DIMS = ConfigOptions.key("dense-vector.dims").intType()
            .noDefaultValue().withDescription("The vector's dimension, with dense-vector.column.");

    public static final ConfigOption<String> DEAD_LETTER_TOPIC = ConfigOptions.key("dead-letter.topic").stringType()
            .noDefaultValue()
            .withDescription("Kafka topic of rows Elasticsearch rejects for good, as dead letters (stage SINK);"
                    + " unset, a rejection fails the job.");

    public static final ConfigOption<String> DEAD_LETTER_BOOTSTRAP_SERVERS =
            ConfigOptions.key("dead-letter.bootstrap-servers").stringType().noDefaultValue()
                    .withDescription("The Kafka bootstrap servers of dead-letter.topic.");

    public static final ConfigOption<Integer> BULK_MAX_ACTIONS = ConfigOptions.key("bulk.max-actions").intType()
            .defaultValue(BulkFlushOptions.DEFAULT.maxActions()).withDescription("Most documents per bulk request.");

    public static final ConfigOption<MemorySize> BULK_MAX_SIZE = ConfigOptions.key("bulk.max-size").memoryType()
            .defaultValue(new MemorySize(BulkFlushOptions.DEFAULT.maxBytes())).withDescription("Most bytes of document source per bulk request.");

    public static final ConfigOption<Duration> BULK_INTERVAL = ConfigOptions.key("bulk.interval").durationType()
            .defaultValue(BulkFlushOptions.DEFAULT.interval()).withDescription("Longest a row stays buffered before it is sent.");

    public static final ConfigOption<Duration> RETRY_INITIAL_BACKOFF = ConfigOptions.key("retry.initial-backoff")
            .durationType().defaultValue(RetryPolicy.DEFAULT.initialBackoff()).withDescription("First retry delay.");

    public static final ConfigOption<Duration> RETRY_MAX_BACKOFF = ConfigOptions.key("retry.max-backoff")
            .durationType().defaultValue(RetryPolicy.DEFAULT.maxBackoff()).withDescription("Longest retry delay.");

    public static final ConfigOption<Duration> RETRY_MAX_DURATION = ConfigOptions.key("retry.max-duration")
            .durationType().defaultValue(RetryPolicy.DEFAULT.maxDuration())
            .withDescription("How long one row may be retried before the job fails.");
}
