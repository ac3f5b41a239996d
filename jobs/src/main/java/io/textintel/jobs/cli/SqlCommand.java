package io.textintel.jobs.cli;

import io.textintel.jobs.SqlPipeline;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.table.api.TableResult;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * Runs a Flink SQL script in an in-process Flink MiniCluster: DDL (tables, {@code CREATE MODEL} with
 * the textintel provider), then its {@code INSERT INTO} statements as one job, until that job ends.
 */
@Command(name = "sql", mixinStandardHelpOptions = true,
        description = "Run a Flink SQL script (DDL and INSERT INTO) in-process (Flink MiniCluster), with the textintel"
                + " model provider and Elasticsearch table sink. On a Flink cluster, run the same script with Flink's"
                + " SQL client and the job jar (ADD JAR or -j textintel-jobs.jar).")
final class SqlCommand implements Callable<Integer> {

    @Option(names = {"-f", "--file"}, required = true, paramLabel = "FILE", description = "The SQL script.")
    private Path file;

    @Option(names = "-D", paramLabel = "KEY=VALUE", mapFallbackValue = "",
            description = "A Flink configuration option, e.g. -D parallelism.default=2 or"
                    + " -D execution.checkpointing.interval=10s (repeatable).")
    private Map<String, String> flinkOptions = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        Optional<TableResult> job = SqlPipeline.run(SqlPipeline.read(file), Configuration.fromMap(flinkOptions),
                System.out);
        if (job.isPresent()) {
            job.get().await();
        }
        return 0;
    }
}
