package io.textintel.sql.model;

import io.textintel.operators.inference.TaskKind;
import io.textintel.operators.inference.TaskPredictor;
import io.textintel.schemas.TopicTag;

import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.catalog.Column;
import org.apache.flink.table.catalog.ResolvedSchema;
import org.apache.flink.table.data.GenericArrayData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.types.logical.ArrayType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.LogicalTypeFamily;
import org.apache.flink.table.types.logical.LogicalTypeRoot;
import org.apache.flink.table.types.logical.RowType;

import java.util.List;

/**
 * The one output column of a textintel model, as its task writes it: {@code embed} an
 * {@code ARRAY<FLOAT>}, {@code tag} an {@code ARRAY<ROW<label STRING, score FLOAT>>} (highest score
 * first), {@code summarize} a {@code STRING}. Checks the declared schemas against the task and turns
 * a {@link TaskPredictor.Prediction} into the output row.
 */
enum PredictionColumn {
    EMBEDDING("ARRAY<FLOAT>"),
    TAGS("ARRAY<ROW<label STRING, score FLOAT>>"),
    SUMMARY("STRING");

    private final String sqlType;

    PredictionColumn(String sqlType) {
        this.sqlType = sqlType;
    }

    /** The column a task of {@code kind} writes. */
    static PredictionColumn of(TaskKind kind) {
        if (kind == TaskKind.EMBED) {
            return EMBEDDING;
        }
        return kind.isTagging() ? TAGS : SUMMARY;
    }

    /**
     * Checks that the model takes one string column and gives this column.
     *
     * @throws ValidationException naming the model, the column and the type expected
     */
    void check(String model, String task, ResolvedSchema input, ResolvedSchema output) {
        List<Column> inputs = input.getColumns();
        if (inputs.size() != 1 || !inputs.get(0).getDataType().getLogicalType()
                .is(LogicalTypeFamily.CHARACTER_STRING)) {
            throw new ValidationException(String.format("model '%s': INPUT is (%s), expected one STRING column"
                    + " (the text)", model, describe(inputs)));
        }
        List<Column> outputs = output.getColumns();
        if (outputs.size() != 1 || !matches(outputs.get(0).getDataType().getLogicalType())) {
            throw new ValidationException(String.format("model '%s': OUTPUT is (%s), expected one column of type %s"
                    + " for task '%s'", model, describe(outputs), sqlType, task));
        }
    }

    private boolean matches(LogicalType type) {
        return switch (this) {
            case EMBEDDING -> type instanceof ArrayType array
                    && array.getElementType().is(LogicalTypeRoot.FLOAT);
            case TAGS -> type instanceof ArrayType array
                    && array.getElementType() instanceof RowType row
                    && row.getFieldCount() == 2
                    && row.getFieldNames().equals(List.of("label", "score"))
                    && row.getTypeAt(0).is(LogicalTypeFamily.CHARACTER_STRING)
                    && row.getTypeAt(1).is(LogicalTypeRoot.FLOAT);
            case SUMMARY -> type.is(LogicalTypeFamily.CHARACTER_STRING);
        };
    }

    private static String describe(List<Column> columns) {
        return String.join(", ", columns.stream()
                .map(column -> column.getName() + " " + column.getDataType().getLogicalType().asSummaryString())
                .toList());
    }

    /** The output row of {@code prediction}. */
    RowData row(TaskPredictor.Prediction prediction) {
        return GenericRowData.of(value(prediction));
    }

    /** The output row of a row without a prediction (no text, input refused, timed out). */
    static RowData nullRow() {
        return GenericRowData.of((Object) null);
    }

    private Object value(TaskPredictor.Prediction prediction) {
        return switch (this) {
            case EMBEDDING -> new GenericArrayData(prediction.embedding());
            case TAGS -> {
                List<TopicTag> topics = prediction.topics();
                Object[] rows = new Object[topics.size()];
                for (int i = 0; i < rows.length; i++) {
                    rows[i] = GenericRowData.of(StringData.fromString(topics.get(i).getLabel().toString()),
                            topics.get(i).getScore());
                }
                yield new GenericArrayData(rows);
            }
            case SUMMARY -> prediction.summary() == null ? null : StringData.fromString(prediction.summary());
        };
    }
}
