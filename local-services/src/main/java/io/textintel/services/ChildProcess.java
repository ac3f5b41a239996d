package io.textintel.services;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A server started as a child process with its output in a log file, stopped together with every
 * process it started.
 */
final class ChildProcess {

    private static final Logger LOG = LoggerFactory.getLogger(ChildProcess.class);

    /** How much of the end of a log file {@link #logTail} reads. */
    private static final int TAIL_BYTES = 32 * 1024;

    /** The output and exit status of a command run to completion. */
    record Completed(int exitCode, String output) {
    }

    private final String name;
    private final Process process;
    private final Path log;

    private ChildProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /**
     * Starts {@code command} in {@code workingDir} with {@code environment} added to this JVM's,
     * standard output and error appended to {@code log}.
     */
    static ChildProcess start(String name, List<String> command, Path workingDir, Map<String, String> environment,
            Path log) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(workingDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(environment);
        Process process = builder.start();
        LOG.debug("Started {} as pid {}: {}", name, process.pid(), command);
        return new ChildProcess(name, process, log);
    }

    /**
     * Runs {@code command} to completion and returns its exit code and output.
     *
     * @throws IllegalStateException when it runs longer than {@code timeout} (it is killed then)
     */
    static Completed run(List<String> command, Path workingDir, Duration timeout) throws IOException {
        return run(command, workingDir, Map.of(), timeout);
    }

    /** Runs {@code command} with extra environment variables; see {@link #run(List, Path, Duration)}. */
    static Completed run(List<String> command, Path workingDir, Map<String, String> environment, Duration timeout)
            throws IOException {
        Path output = Files.createTempFile("textintel-command-", ".log");
        try {
            ProcessBuilder builder = new ProcessBuilder(command)
                    .directory(workingDir == null ? null : workingDir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile());
            builder.environment().putAll(environment);
            Process process = builder.start();
            boolean exited = waitFor(process, timeout);
            if (!exited) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                throw new IllegalStateException(String.format(
                        "Command %s did not finish within %s; output so far:%n%s",
                        command, timeout, Files.readString(output, StandardCharsets.UTF_8)));
            }
            return new Completed(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(output);
        }
    }

    /** The java launcher of the running JVM, so child JVMs run the same Java as the caller. */
    static Path javaExecutable() {
        return javaHome().resolve("bin").resolve("java");
    }

    /** The home of the running JVM ({@code java.home}). */
    static Path javaHome() {
        return Path.of(System.getProperty("java.home"));
    }

    /** Removes a shutdown hook; during JVM shutdown the hook runs anyway and that is fine. */
    static void removeShutdownHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            LOG.debug("JVM is shutting down; hook {} runs on its own", hook.getName());
        }
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** The exit code; only meaningful once {@link #isAlive()} is false. */
    int exitValue() {
        return process.exitValue();
    }

    Path log() {
        return log;
    }

    /** The last {@code lines} lines of the log, for error messages. */
    String logTail(int lines) {
        return tail(log, lines);
    }

    /** The last {@code lines} lines of {@code file}, or a note saying why there are none. */
    static String tail(Path file, int lines) {
        if (!Files.isRegularFile(file)) {
            return "(no log file " + file + ")";
        }
        try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
            long length = in.length();
            long start = Math.max(0, length - TAIL_BYTES);
            byte[] bytes = new byte[(int) (length - start)];
            in.seek(start);
            in.readFully(bytes);
            List<String> all = Arrays.asList(new String(bytes, StandardCharsets.UTF_8).split("\\R"));
            return String.join(System.lineSeparator(), all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(cannot read log file " + file + ": " + e + ")";
        }
    }

    /**
     * Stops the process and everything it started: a polite termination signal to the descendants
     * first (the real server may sit below a launcher or {@code runuser}), then to the process
     * itself, and a kill for whatever is still alive after {@code grace}.
     */
    void stop(Duration grace) {
        long deadline = System.nanoTime() + grace.toNanos();
        List<ProcessHandle> descendants = new ArrayList<>(process.descendants().toList());
        descendants.forEach(ProcessHandle::destroy);
        for (ProcessHandle handle : descendants) {
            awaitExit(handle, deadline);
        }
        process.destroy();
        awaitExit(process.toHandle(), deadline);

        List<ProcessHandle> all = new ArrayList<>(descendants);
        all.addAll(process.descendants().toList());
        all.add(process.toHandle());
        List<ProcessHandle> survivors = all.stream().filter(ProcessHandle::isAlive).distinct().toList();
        if (!survivors.isEmpty()) {
            LOG.warn("{} did not stop within {}; killing pids {}", name, grace,
                    survivors.stream().map(ProcessHandle::pid).toList());
            survivors.forEach(ProcessHandle::destroyForcibly);
            long killDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            for (ProcessHandle handle : survivors) {
                awaitExit(handle, killDeadline);
            }
        }
        LOG.debug("Stopped {} (pid {})", name, process.pid());
    }

    private static void awaitExit(ProcessHandle handle, long deadlineNanos) {
        long remaining = deadlineNanos - System.nanoTime();
        if (remaining <= 0) {
            return;
        }
        try {
            handle.onExit().get(remaining, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            LOG.debug("pid {} still alive after waiting", handle.pid());
        } catch (ExecutionException e) {
            throw new IllegalStateException("Waiting for pid " + handle.pid() + " to exit failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static boolean waitFor(Process process, Duration timeout) {
        try {
            return process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IllegalStateException("Interrupted while waiting for " + process.info().command(), e);
        }
    }

    @Override
    public String toString() {
        return name + "(pid " + process.pid() + ", log " + log + ")";
    }
}
