package io.textintel.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.textintel.it.support.TestPipeline;
import io.textintel.it.support.TestServices;
import io.textintel.jobs.AvroTopic;
import io.textintel.schemas.DeadLetter;
import io.textintel.schemas.DeadLetterReason;
import io.textintel.schemas.PipelineStage;

import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The {@code textintel-elasticsearch} table sink against real Elasticsearch and Kafka: rows upsert
 * by primary key (a later row of the same key overwrites the document), and a row Elasticsearch
 * rejects for good (an embedding of the wrong dimension for the index's dense_vector, which the sink
 * created) becomes a SINK dead letter on the dead-letter topic while the job goes on.
 */
class ElasticsearchTableSinkITCase {

    @Test
    void rowsUpsertByKeyAndARejectedRowBecomesADeadLetter() throws Exception {
        String suffix = TestPipeline.uniqueSuffix();
        String index = "sql-sink-" + suffix;
        String deadLetters = "sql-sink-rejected-" + suffix;
        TestServices.createTopics(1, deadLetters);

        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1);
        StreamTableEnvironment tables = StreamTableEnvironment.create(env);
        tables.executeSql("CREATE TEMPORARY VIEW rows_in AS SELECT * FROM (VALUES"
                + " ('a', 'first', ARRAY[CAST(0.6 AS FLOAT), CAST(0.8 AS FLOAT)]),"
                + " ('b', 'three dimensions', ARRAY[CAST(1 AS FLOAT), CAST(0 AS FLOAT), CAST(0 AS FLOAT)]),"
                + " ('a', 'second', ARRAY[CAST(0.8 AS FLOAT), CAST(0.6 AS FLOAT)])) AS t(id, text, embedding)");
        tables.executeSql("CREATE TABLE docs (id STRING, text STRING, embedding ARRAY<FLOAT>,"
                + " PRIMARY KEY (id) NOT ENFORCED) WITH ('connector' = 'textintel-elasticsearch',"
                + " 'hosts' = '" + TestServices.elasticsearchUrl() + "', 'index' = '" + index + "',"
                + " 'dense-vector.column' = 'embedding', 'dense-vector.dims' = '2',"
                + " 'dead-letter.topic' = '" + deadLetters + "',"
                + " 'dead-letter.bootstrap-servers' = '" + TestServices.kafkaBootstrapServers() + "')");
        tables.executeSql("INSERT INTO docs SELECT * FROM rows_in").await(3, TimeUnit.MINUTES);

        Map<String, Map<String, Object>> documents = TestPipeline.documents(index);
        assertThat(documents.keySet()).containsExactly("a");
        assertThat(documents.get("a")).containsEntry("text", "second")
                .containsEntry("embedding", List.of(0.8, 0.6));
        List<DeadLetter> letters = AvroTopic.deadLetters(TestServices.kafkaBootstrapServers(), deadLetters, Map.of(),
                Duration.ofSeconds(60));
        assertThat(letters).hasSize(1);
        DeadLetter letter = letters.get(0);
        assertThat(letter.getStage()).isEqualTo(PipelineStage.SINK);
        assertThat(letter.getReasonCode().toString()).isEqualTo(DeadLetterReason.DOCUMENT_REJECTED.code());
        assertThat(letter.getRecordId().toString()).isEqualTo("b");
    }
}
