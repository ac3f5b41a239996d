package io.textintel.it.elasticsearch;

import io.textintel.it.support.TestServices;
import java.util.concurrent.TimeUnit;
import org.apache.flink.connector.testframe.TestResource;
import org.apache.flink.connector.testframe.environment.MiniClusterTestEnvironment;
import org.apache.flink.connector.testframe.external.ExternalContextFactory;
import org.apache.flink.connector.testframe.junit.annotations.TestContext;
import org.apache.flink.connector.testframe.junit.annotations.TestEnv;
import org.apache.flink.connector.testframe.junit.annotations.TestExternalSystem;
import org.apache.flink.connector.testframe.junit.annotations.TestSemantics;
import org.apache.flink.connector.testframe.testsuites.SinkTestSuiteBase;
import org.apache.flink.core.execution.CheckpointingMode;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Flink's connector test suite ({@link SinkTestSuiteBase}) for the project's Elasticsearch sink,
 * on a Flink MiniCluster and the shared test Elasticsearch node ({@link TestServices}).
 *
 * <p>Every case of the suite runs in both semantics: a plain bounded job, stop with a savepoint and
 * restore at the same, a higher and a lower parallelism, and the sink's {@code numRecordsSend}
 * metric. Each case writes random records to a fresh index ({@link ElasticsearchSinkExternalContext})
 * and reads them back: {@code AT_LEAST_ONCE} asks for every record at least once, {@code EXACTLY_ONCE}
 * for every record exactly once, which the sink gives by deterministic {@code _id}s.
 *
 * <p>The suite waits without a limit of its own for the index to hold what it expects, so each
 * case has a {@link Timeout}: a sink that loses a record fails the case instead of hanging the
 * build.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ElasticsearchSinkTestSuiteITCase extends SinkTestSuiteBase<String> {

    private static final Logger LOG = LoggerFactory.getLogger(ElasticsearchSinkTestSuiteITCase.class);

    /** One TaskManager with six slots, enough for the suite's largest job (sink parallelism 4). */
    @TestEnv
    final MiniClusterTestEnvironment flink = new MiniClusterTestEnvironment();

    @TestExternalSystem
    final TestResource elasticsearch = new SharedElasticsearch();

    @TestContext
    final ExternalContextFactory<ElasticsearchSinkExternalContext> contexts =
            testName -> new ElasticsearchSinkExternalContext(
                    TestServices.elasticsearchUrl(), ElasticsearchSinkExternalContext.indexNameFor(testName));

    @TestSemantics
    final CheckpointingMode[] semantics = {CheckpointingMode.EXACTLY_ONCE, CheckpointingMode.AT_LEAST_ONCE};

    /**
     * The node all integration tests of this JVM share: started (if no test has yet) before the
     * suite, and left running after it, since {@link TestServices} stops it when the JVM exits.
     */
    private static final class SharedElasticsearch implements TestResource {

        @Override
        public void startUp() {
            LOG.info("Connector test suite for the Elasticsearch sink runs against {} on {}",
                    TestServices.elasticsearchUrl(), TestServices.path());
        }

        @Override
        public void tearDown() {
        }
    }
}
