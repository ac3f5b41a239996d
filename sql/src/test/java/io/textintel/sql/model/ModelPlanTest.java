package io.textintel.sql.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.apache.flink.streaming.api.operators.async.AsyncWaitOperatorFactory;
import org.apache.flink.table.api.ExplainDetail;
import org.apache.flink.table.api.Table;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

/**
 * How the planner plans {@code ML_PREDICT} on a textintel model: it finds the provider by its
 * identifier and translates the prediction into Flink's async I/O operator (the stream graph's
 * {@code MLPredictTableFunction} node runs an {@link AsyncWaitOperatorFactory}), never into a
 * synchronous call per row. Planning opens no model, so the model directory need not exist.
 */
class ModelPlanTest {

    private static final String QUERY =
            "SELECT id, embedding FROM ML_PREDICT(TABLE feedback, MODEL feedback_embedder, DESCRIPTOR(text)%s)";

    private StreamExecutionEnvironment env;
    private StreamTableEnvironment tables;

    @BeforeEach
    void createModel() {
        env = StreamExecutionEnvironment.getExecutionEnvironment();
        tables = StreamTableEnvironment.create(env);
        tables.executeSql("CREATE TEMPORARY VIEW feedback AS SELECT * FROM (VALUES ('a', 'late parcel'))"
                + " AS t(id, text)");
        tables.executeSql("CREATE MODEL feedback_embedder INPUT (text STRING) OUTPUT (embedding ARRAY<FLOAT>)"
                + " WITH ('provider' = 'textintel', 'task' = 'embed', 'model' = '/nowhere/embedder')");
    }

    @Test
    void mlPredictOnATextIntelModelRunsAsAsyncOperator() {
        Table predicted = tables.sqlQuery(String.format(QUERY, ""));
        assertThat(predicted.explain(ExplainDetail.JSON_EXECUTION_PLAN)).contains("MLPredictTableFunction");
        tables.toDataStream(predicted).print();

        List<StreamNode> predictNodes = env.getStreamGraph().getStreamNodes().stream()
                .filter(node -> node.getOperatorName().contains("MLPredictTableFunction")).toList();
        assertThat(predictNodes).as("the stream graph's ML_PREDICT operator").hasSize(1);
        assertThat(predictNodes.get(0).getOperatorFactory())
                .as("the operator ML_PREDICT runs as: Flink's async I/O, so rows in flight are batched by the engine")
                .isInstanceOf(AsyncWaitOperatorFactory.class);
    }

    @Test
    void aSynchronousPredictIsRefusedSinceTheProviderIsAsyncOnly() {
        assertThatThrownBy(() -> tables.toDataStream(
                        tables.sqlQuery(String.format(QUERY, ", MAP['async', 'false']"))).print())
                .hasStackTraceContaining("Require sync mode, but model provider "
                        + TextIntelModelProvider.class.getName() + " doesn't support sync mode");
    }
}
