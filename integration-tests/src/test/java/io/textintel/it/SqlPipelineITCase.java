package io.textintel.it;

import io.textintel.it.support.FeedbackExample;
import io.textintel.jobs.SqlPipeline;
import io.textintel.sql.SqlScript;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.table.api.TableResult;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

/**
 * The example SQL script ({@code sql/examples/feedback.sql}) end to end against real Kafka and
 * Elasticsearch, run as {@code textintel sql} runs it ({@link SqlPipeline}, in-process): JSON feedback
 * read with Flink's Kafka SQL connector, embedded and tagged with {@code ML_PREDICT} on the textintel
 * provider, written by the textintel Elasticsearch table sink. {@link FeedbackExample} says how the
 * script is pointed at the test's services and what the index must hold.
 */
class SqlPipelineITCase {

    @Test
    void theExampleScriptIndexesEveryRecordWithItsEmbeddingAndTags() throws Exception {
        FeedbackExample example = FeedbackExample.produce();
        Configuration flink = new Configuration();
        flink.set(CoreOptions.DEFAULT_PARALLELISM, 2);
        TableResult job = SqlPipeline.run(SqlScript.statements(example.script()), flink, System.out).orElseThrow();
        job.await(5, TimeUnit.MINUTES);
        example.verify();
    }
}
