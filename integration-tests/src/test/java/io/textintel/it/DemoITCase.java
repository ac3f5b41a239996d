package io.textintel.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.textintel.jobs.demo.Demo;

import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The README's first command, {@code textintel demo}, as a new user runs it: its own Kafka broker and
 * Elasticsearch node, the shipped all-MiniLM-L6-v2, few-shot tags and extractive summaries. Its results
 * must mean something: tags that match the sample's labels, neighbours of a query about crashes that
 * are crash reports, no drift alarm before the drift phase and one in every window of it, and no
 * random text anywhere in what it prints.
 */
class DemoITCase {

    private static final Logger LOG = LoggerFactory.getLogger(DemoITCase.class);

    @Test
    void theDemoShowsMeaningfulResultsOnTheShippedEmbedder() throws Exception {
        // Not a @TempDir: Elasticsearch runs as an unprivileged user when the tests run as root, and must enter it.
        Path workDir = Files.createTempDirectory("textintel-demo-it",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        Demo.Result result;
        try (PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8)) {
            result = new Demo(new Demo.Options(workDir, 2, false, Demo.DEFAULT_EMBED_MODEL, null,
                    Demo.TagMode.FEW_SHOT, false, "The app crashes every time I open my order history"), out).run();
        } finally {
            try (Stream<Path> paths = Files.walk(workDir)) {
                paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
        String output = printed.toString(StandardCharsets.UTF_8);
        LOG.info("demo output:\n{}", output);

        assertThat(result.indexed()).as("documents indexed").isEqualTo(result.expected());
        assertThat(result.accuracy().documents()).isEqualTo(969);
        assertThat(result.accuracy().top1()).as("few-shot top-1 against the sample's labels").isGreaterThanOrEqualTo(0.80);
        assertThat(result.neighbours()).hasSize(5);
        assertThat(result.neighbours().stream().filter("app_crash"::equals).count())
                .as("crash reports among the query's neighbours " + result.neighbours()).isGreaterThanOrEqualTo(4);
        assertThat(result.drift().windowsBefore()).isGreaterThanOrEqualTo(80);
        assertThat(result.drift().alarmsBefore()).as("alarms before the drift phase").isZero();
        assertThat(result.drift().windowsDuring()).isEqualTo(5);
        assertThat(result.drift().alarmsDuring()).as("alarms during the drift phase").isEqualTo(5);
        assertThat(output).contains("summary (extractive").doesNotContain("UNTRAINED").doesNotContain("random weights");
        LOG.info("demo: {} documents in {} s of pipeline time ({} documents/s), top-1 {}, top-3 {}",
                result.indexed(), result.pipelineSeconds(), result.indexed() / result.pipelineSeconds(),
                result.accuracy().top1(), result.accuracy().top3());
    }
}
