package io.textintel.services;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChildProcessTest {

    @TempDir
    Path tmp;

    @Test
    void stopEndsTheProcessAndEverythingItStarted() throws Exception {
        ChildProcess shell = ChildProcess.start("sleepers", List.of("sh", "-c", "sleep 300 & sleep 300 & wait"),
                tmp, Map.of(), tmp.resolve("sleepers.log"));
        List<ProcessHandle> children = awaitChildren(shell, 2);

        shell.stop(Duration.ofSeconds(5));

        assertThat(shell.isAlive()).isFalse();
        assertThat(children).noneMatch(ProcessHandle::isAlive);
    }

    @Test
    void stopKillsWhatIgnoresTheTerminationSignal() throws Exception {
        ChildProcess stubborn = ChildProcess.start("stubborn",
                List.of("sh", "-c", "trap '' TERM; echo trapped; while true; do sleep 0.1; done"),
                tmp, Map.of(), tmp.resolve("stubborn.log"));
        awaitLog(stubborn, "trapped");

        long start = System.nanoTime();
        stubborn.stop(Duration.ofMillis(500));

        assertThat(stubborn.isAlive()).isFalse();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void environmentReachesTheProcessAndOutputTheLog() throws Exception {
        ChildProcess echo = ChildProcess.start("echo", List.of("sh", "-c", "echo value=$TEXTINTEL_TEST_VALUE"),
                tmp, Map.of("TEXTINTEL_TEST_VALUE", "42"), tmp.resolve("echo.log"));
        awaitLog(echo, "value=42");
        echo.stop(Duration.ofSeconds(5));
    }

    @Test
    void logTailKeepsTheLastLines() throws Exception {
        Path log = tmp.resolve("long.log");
        Files.writeString(log, IntStream.rangeClosed(1, 1000).mapToObj(i -> "line " + i)
                .collect(Collectors.joining("\n", "", "\n")));

        assertThat(ChildProcess.tail(log, 3).lines().toList()).containsExactly("line 998", "line 999", "line 1000");
        assertThat(ChildProcess.tail(tmp.resolve("absent.log"), 3)).contains("no log file");
    }

    @Test
    void runReturnsExitCodeAndOutput() throws Exception {
        ChildProcess.Completed result = ChildProcess.run(List.of("sh", "-c", "echo out; echo err >&2; exit 3"),
                tmp, Duration.ofSeconds(10));

        assertThat(result.exitCode()).isEqualTo(3);
        assertThat(result.output()).contains("out").contains("err");
    }

    @Test
    void runKillsACommandThatOverstaysItsTimeout() {
        assertThatThrownBy(() -> ChildProcess.run(List.of("sleep", "30"), tmp, Duration.ofMillis(300)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("sleep")
                .hasMessageContaining("did not finish within PT0.3S");
    }

    private static List<ProcessHandle> awaitChildren(ChildProcess process, int count) throws InterruptedException {
        ProcessHandle handle = ProcessHandle.of(process.pid()).orElseThrow();
        List<ProcessHandle> children = new ArrayList<>();
        for (int i = 0; i < 100 && children.size() < count; i++) {
            Thread.sleep(50);
            children = handle.descendants().toList();
        }
        assertThat(children).as("children of the shell").hasSizeGreaterThanOrEqualTo(count);
        return children;
    }

    private static void awaitLog(ChildProcess process, String text) throws Exception {
        for (int i = 0; i < 100; i++) {
            if (Files.exists(process.log()) && Files.readString(process.log()).contains(text)) {
                return;
            }
            Thread.sleep(50);
        }
        assertThat(Files.readString(process.log())).as("log of " + process).contains(text);
    }
}
