package io.textintel.connectors.elasticsearch;

import java.util.OptionalLong;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobInfo;
import org.apache.flink.api.common.JobInfoImpl;
import org.apache.flink.api.common.TaskInfo;
import org.apache.flink.api.common.TaskInfoImpl;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.streaming.runtime.tasks.StreamTaskActionExecutor;
import org.apache.flink.streaming.runtime.tasks.mailbox.MailboxExecutorImpl;
import org.apache.flink.streaming.runtime.tasks.mailbox.TaskMailboxImpl;
import org.apache.flink.util.UserCodeClassLoader;

/**
 * A writer init context for unit tests: a real Flink mailbox owned by the creating thread, which
 * plays the task thread, and a metric group the test can read.
 */
final class TestWriterInitContext implements WriterInitContext {

    private final MailboxExecutor mailbox =
            new MailboxExecutorImpl(new TaskMailboxImpl(Thread.currentThread()), 0, StreamTaskActionExecutor.IMMEDIATE);
    private final TestingSinkWriterMetricGroup metrics = new TestingSinkWriterMetricGroup();

    TestingSinkWriterMetricGroup metrics() {
        return metrics;
    }

    @Override
    public MailboxExecutor getMailboxExecutor() {
        return mailbox;
    }

    @Override
    public TestingSinkWriterMetricGroup metricGroup() {
        return metrics;
    }

    @Override
    public TaskInfo getTaskInfo() {
        return new TaskInfoImpl("elasticsearch-sink-test", 1, 0, 1, 0);
    }

    @Override
    public JobInfo getJobInfo() {
        return new JobInfoImpl(new JobID(), "elasticsearch-sink-test");
    }

    @Override
    public OptionalLong getRestoredCheckpointId() {
        return OptionalLong.empty();
    }

    @Override
    public boolean isObjectReuseEnabled() {
        return false;
    }

    @Override
    public UserCodeClassLoader getUserCodeClassLoader() {
        throw new IllegalStateException("The Elasticsearch writer does not use the user code class loader.");
    }

    @Override
    public ProcessingTimeService getProcessingTimeService() {
        throw new IllegalStateException("The Elasticsearch writer schedules with its own timer thread.");
    }

    @Override
    public SerializationSchema.InitializationContext asSerializationSchemaInitializationContext() {
        throw new IllegalStateException("The Elasticsearch writer has no serialization schema.");
    }

    @Override
    public <IN> TypeSerializer<IN> createInputSerializer() {
        throw new IllegalStateException("The Elasticsearch writer does not copy its input.");
    }
}
