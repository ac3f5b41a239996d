package io.textintel.connectors.elasticsearch;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.net.URI;
import java.time.Duration;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

class ElasticsearchSinkBuilderTest {

    private static ElasticsearchSinkBuilder<String> valid() {
        return ElasticsearchSink.<String>builder()
                .setHosts("http://127.0.0.1:9200")
                .setIndex("docs")
                .setDocumentSerializer((DocumentSerializer<String> & java.io.Serializable)
                        id -> new ElasticsearchDocument(id, "{}".getBytes(UTF_8)));
    }

    @Test
    void buildsWithDefaults() {
        ElasticsearchSink<String> sink = valid().build();

        assertThat(sink.flushOptions()).isEqualTo(BulkFlushOptions.DEFAULT);
        assertThat(sink.retryPolicy()).isEqualTo(RetryPolicy.DEFAULT);
        assertThat(sink.connection().hosts()).containsExactly(URI.create("http://127.0.0.1:9200"));
        assertThat(sink.indexFunction().indexFor("any")).isEqualTo("docs");
        assertThat(sink.rejectedHandlerFactory()).isNull();
    }

    @Test
    void addToNeedsARejectedDocumentSink() {
        assertThatThrownBy(() -> valid().build().addTo(null, "elasticsearch"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("Sink has no rejected-document sink, expected stream.sinkTo(sink).");
    }

    @Test
    void refusesEmptyHosts() {
        assertThatThrownBy(() -> valid().setHosts().build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Hosts cannot be empty.");
    }

    @Test
    void namesAHostThatIsNotAnHttpUrl() {
        assertThatThrownBy(() -> valid().setHosts("http://127.0.0.1:9200", "localhost:9200").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Host 'localhost:9200' is not an http or https URL");
        assertThatThrownBy(() -> valid().setHosts("ftp://es:21").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Host 'ftp://es:21'");
        assertThatThrownBy(() -> valid().setHosts("http://es:92 00").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Host 'http://es:92 00' is not a URL");
    }

    @Test
    void refusesMissingOrContradictoryIndex() {
        assertThatThrownBy(() -> ElasticsearchSink.<String>builder().setHosts("http://es:9200")
                        .setDocumentSerializer(id -> new ElasticsearchDocument(id, "{}".getBytes(UTF_8))).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Index must be set");
        assertThatThrownBy(() -> valid().setIndexFunction(id -> "other").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Both index 'docs' and an index function");
        assertThatThrownBy(() -> valid().setIndex("Docs").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Index 'Docs' is not a valid index name");
    }

    @Test
    void refusesAMissingSerializerAndBadLimits() {
        assertThatThrownBy(() -> ElasticsearchSink.<String>builder().setHosts("http://es:9200").setIndex("d").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Document serializer must be set");
        assertThatThrownBy(() -> valid().setBulkFlushMaxActions(0).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Bulk flush max actions is 0, expected 1 or more.");
        assertThatThrownBy(() -> valid().setBulkFlushInterval(Duration.ZERO).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Bulk flush interval is PT0S, expected a positive duration.");
        assertThatThrownBy(() -> valid().setRetryPolicy(Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ofMinutes(1)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Max backoff is PT1S");
    }

    @Test
    void refusesAConnectionTogetherWithHosts() {
        assertThatThrownBy(() -> valid().setConnection(ElasticsearchConnection.of("http://es:9200")).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("set one or the other");
    }

    @Test
    void sinkSurvivesJavaSerializationWithCredentials() throws Exception {
        ElasticsearchSink<String> sink = valid().setBasicAuth("elastic", "s3cret")
                .setRejectedDocumentHandler(NoHandler::new).build();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(sink);
        }
        Object copy;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            copy = in.readObject();
        }

        assertThat(((ElasticsearchSink<?>) copy).connection()).isEqualTo(sink.connection());
        assertThat(sink.connection().auth().toString()).doesNotContain("s3cret");
    }

    @Test
    void takesConnectionBulkAndRetrySettingsFromAConfiguration() {
        Configuration config = new Configuration();
        config.setString("elasticsearch.hosts", "http://es-1:9200;https://es-2:9243");
        config.setString("elasticsearch.api-key", "a2V5OnNlY3JldA==");
        config.setString("elasticsearch.bulk.max-actions", "250");
        config.setString("elasticsearch.bulk.max-size", "2mb");
        config.setString("elasticsearch.bulk.interval", "500 ms");
        config.setString("elasticsearch.retry.max-duration", "0");
        config.setString("elasticsearch.retry.max-backoff", "30 s");

        ElasticsearchSink<String> sink = ElasticsearchSink.<String>builder()
                .setConfiguration(config)
                .setIndex("docs")
                .setDocumentSerializer(id -> new ElasticsearchDocument(id, "{}".getBytes(UTF_8)))
                .build();

        assertThat(sink.connection().hosts())
                .containsExactly(URI.create("http://es-1:9200"), URI.create("https://es-2:9243"));
        assertThat(sink.connection().auth()).isEqualTo(ElasticsearchConnection.Auth.apiKey("a2V5OnNlY3JldA=="));
        assertThat(sink.flushOptions()).isEqualTo(
                new BulkFlushOptions(250, 2L * 1024 * 1024, Duration.ofMillis(500), 2));
        assertThat(sink.retryPolicy().isUnlimited()).isTrue();
        assertThat(sink.retryPolicy().maxBackoff()).isEqualTo(Duration.ofSeconds(30));
        assertThat(sink.retryPolicy().initialBackoff()).isEqualTo(RetryPolicy.DEFAULT.initialBackoff());
    }

    @Test
    void refusesAConfigurationWithHalfTheCredentials() {
        Configuration config = new Configuration();
        config.setString("elasticsearch.hosts", "http://es-1:9200");
        config.setString("elasticsearch.username", "elastic");

        assertThatThrownBy(() -> ElasticsearchConnection.fromConfiguration(config))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Only one of elasticsearch.username and elasticsearch.password is set,"
                        + " expected both or neither.");
    }

    /** A handler class for the serialization test; it is never opened. */
    private static final class NoHandler implements RejectedDocumentHandler {
        @Override
        public void open(org.apache.flink.api.connector.sink2.WriterInitContext context) {}

        @Override
        public void accept(RejectedDocument rejected) {
            throw new AssertionError("not used");
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    }
}
