package io.textintel.services;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The child process of a local service and its life: {@link #stop()} keeping the data and ports,
 * {@link #restart} with the same command, {@link #close()} (stop, then delete the work folder
 * unless it is kept), and the same as close at JVM exit. {@link LocalKafka} and
 * {@link LocalElasticsearch} each own one. Thread-safe.
 */
final class ServiceProcess {

    private static final Logger LOG = LoggerFactory.getLogger(ServiceProcess.class);

    /** Waits until a freshly started process serves, or fails naming why it does not. */
    @FunctionalInterface
    interface Readiness {
        void await(ChildProcess process) throws IOException;
    }

    private final String name;
    private final Supplier<String> address;
    private final List<String> command;
    private final Map<String, String> environment;
    private final Path workDir;
    private final boolean keepWorkDir;
    private final Duration stopGrace;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread shutdownHook;
    private volatile ChildProcess process;
    private volatile boolean stopped;

    /**
     * Takes over {@code process}, started from {@code command} in {@code workDir}, and stops it at
     * JVM exit unless closed before.
     *
     * @param name what the process is in messages, e.g. {@code Kafka broker}
     * @param address where it serves, for messages
     */
    ServiceProcess(String name, Supplier<String> address, ChildProcess process, List<String> command,
            Map<String, String> environment, Path workDir, boolean keepWorkDir, Duration stopGrace) {
        this.name = name;
        this.address = address;
        this.process = process;
        this.command = List.copyOf(command);
        this.environment = Map.copyOf(environment);
        this.workDir = workDir;
        this.keepWorkDir = keepWorkDir;
        this.stopGrace = stopGrace;
        this.shutdownHook = new Thread(this::closeAtJvmExit,
                "textintel-local-" + name.toLowerCase(java.util.Locale.ROOT).replace(' ', '-') + "-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** The process running now, or the last one when stopped. */
    ChildProcess current() {
        return process;
    }

    /** The file receiving the process's console output, across restarts. */
    Path log() {
        return process.log();
    }

    /**
     * Stops the process (politely, then by force), keeping its work folder. Does nothing when it
     * is stopped already.
     *
     * @throws IllegalStateException when closed
     */
    synchronized void stop() {
        checkOpen();
        if (!stopped) {
            process.stop(stopGrace);
            stopped = true;
            LOG.info("Stopped local {} on {} (data kept for a restart)", name, address.get());
        }
    }

    /**
     * Starts the stopped process again with the same command, folder and environment, appending to
     * the same log, and waits until {@code readiness} says it serves.
     *
     * @throws IllegalStateException when closed or running
     */
    synchronized void restart(Readiness readiness) throws IOException {
        checkOpen();
        if (!stopped) {
            throw new IllegalStateException(name + " on " + address.get() + " is running, expected stop() first");
        }
        long startNanos = System.nanoTime();
        process = ChildProcess.start(name, command, workDir, environment, process.log());
        stopped = false;
        readiness.await(process);
        LOG.info("Local {} restarted on {} in {} ms (pid {})", name, address.get(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos), process.pid());
    }

    /** @throws IllegalStateException naming the service when it is closed */
    void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("Local " + name + " on " + address.get() + " is closed");
        }
    }

    /** Stops the process and deletes the work folder unless it is kept; once. */
    void close() throws IOException {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        ChildProcess.removeShutdownHook(shutdownHook);
        process.stop(stopGrace);
        if (!keepWorkDir) {
            Directories.delete(workDir);
        }
        LOG.info("Stopped local {} on {}", name, address.get());
    }

    private void closeAtJvmExit() {
        if (closed.compareAndSet(false, true)) {
            process.stop(stopGrace);
            if (!keepWorkDir) {
                try {
                    Directories.delete(workDir);
                } catch (IOException e) {
                    LOG.warn("Cannot delete the work folder {} of the local {} at JVM exit", workDir, name, e);
                }
            }
        }
    }
}
