package io.textintel.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class RunCommandTest {

    @TempDir
    Path dir;

    @Test
    void fromCheckpointLatestWithoutACheckpointFailsBeforeTouchingAnyService() throws Exception {
        Path checkpoints = Files.createDirectories(dir.resolve("checkpoints"));
        Path config = Files.writeString(dir.resolve("pipeline.yaml"), """
                kafka:
                  bootstrap-servers: 127.0.0.1:1
                  topics: [feedback]
                elasticsearch:
                  hosts: [http://127.0.0.1:1]
                tasks:
                  embed:
                    kind: embed
                    model: sentence-transformers/all-MiniLM-L6-v2
                checkpointing:
                  directory: %s
                """.formatted(checkpoints.toUri()));
        CommandLine cli = TextIntelCommand.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));

        int code = cli.execute("run", "--config", config.toString(), "--from-checkpoint", "latest");

        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("textintel run: --from-checkpoint latest: no completed checkpoint"
                + " (chk-N/_metadata) under " + checkpoints);
    }

    @Test
    void offlineWithAModelMissingFromTheCacheFailsBeforeTouchingAnyServiceNamingTheCommand() throws Exception {
        Path cache = Files.createDirectories(dir.resolve("hub"));
        Path config = Files.writeString(dir.resolve("pipeline.yaml"), """
                kafka:
                  bootstrap-servers: 127.0.0.1:1
                  topics: [feedback]
                elasticsearch:
                  hosts: [http://127.0.0.1:1]
                hub:
                  offline: true
                  cache-dir: %s
                tasks:
                  embed:
                    kind: embed
                    model: sentence-transformers/all-MiniLM-L6-v2
                """.formatted(cache));
        CommandLine cli = TextIntelCommand.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));

        int code = cli.execute("run", "--config", config.toString());

        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).contains("textintel run: hub.offline is true but the model cache " + cache
                + " does not hold sentence-transformers/all-MiniLM-L6-v2 at main (task embed)")
                .contains("textintel models pull -c " + config);
    }
}
