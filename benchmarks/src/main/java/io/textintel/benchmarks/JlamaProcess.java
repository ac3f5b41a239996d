package io.textintel.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Jlama, the peer engine, in a JVM of its own: {@code peer-jlama}'s {@code JlamaRunner} launched as
 * a source file on a Java 21+ runtime with Jlama's classpath, driven line by line over its
 * standard input and output (the protocol is the runner's Javadoc). Its standard error goes to
 * a log file beside the report's working directory.
 *
 * <p>The runtime is {@value #JAVA_HOME_PROPERTY}, else the environment variable
 * {@value #JAVA_HOME_ENV}, else {@value #DEFAULT_JAVA_HOME}; the module's folder is
 * {@value #DIR_PROPERTY}, else {@code peer-jlama} under the working directory (the repository's
 * root), with its classpath built by {@code ./mvnw -B -pl peer-jlama package}.
 */
final class JlamaProcess implements AutoCloseable {

    static final String JAVA_HOME_PROPERTY = "textintel.peers.java-home";
    static final String JAVA_HOME_ENV = "TEXTINTEL_PEERS_JAVA_HOME";
    static final String DEFAULT_JAVA_HOME = "/usr/lib/jvm/temurin-25-jdk-amd64";
    static final String DIR_PROPERTY = "textintel.peers.jlama-dir";
    private static final String RUNNER = "src/main/java/io/textintel/peers/jlama/JlamaRunner.java";

    private final String name;
    private final Process process;
    private final BufferedReader out;
    private final PrintWriter in;
    private final String ops;
    private final double loadSeconds;

    private JlamaProcess(String name, Process process) throws IOException {
        this.name = name;
        this.process = process;
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.in = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
        Map<String, String> ready = await("READY");
        this.ops = ready.get("ops");
        this.loadSeconds = Double.parseDouble(ready.get("load_s"));
    }

    /**
     * Why Jlama cannot be run here (no Java 21+ runtime, or the classpath not built), naming the
     * setting to change and the command to run; empty when it can.
     */
    static String unavailableReason() {
        Path java = javaHome().resolve("bin/java");
        if (!Files.isExecutable(java)) {
            return "no Java runtime at " + javaHome() + " (Jlama needs Java 21+): set -D" + JAVA_HOME_PROPERTY
                    + " or " + JAVA_HOME_ENV + " to a JDK 21+ home";
        }
        Path lib = moduleDir().resolve("target/lib");
        if (!Files.isDirectory(lib) || !Files.isRegularFile(moduleDir().resolve(RUNNER))) {
            return "Jlama's classpath " + lib + " or runner " + moduleDir().resolve(RUNNER) + " is missing: run"
                    + " ./mvnw -B -pl peer-jlama package from the repository root, or set -D" + DIR_PROPERTY;
        }
        return "";
    }

    static Path javaHome() {
        String property = System.getProperty(JAVA_HOME_PROPERTY);
        String env = System.getenv(JAVA_HOME_ENV);
        return Path.of(property != null ? property : env != null ? env : DEFAULT_JAVA_HOME);
    }

    static Path moduleDir() {
        return Path.of(System.getProperty(DIR_PROPERTY, "peer-jlama")).toAbsolutePath();
    }

    /**
     * Starts the runner on {@code kind} ({@code decoder} or {@code encoder}) at {@code modelDir}
     * with {@code threads} threads; {@code panama} forces Jlama's Panama (Vector API) tensor
     * operations instead of its default choice, the native ones when they load.
     *
     * @throws IllegalStateException with {@link #unavailableReason()} when Jlama cannot run here
     */
    static JlamaProcess start(String name, String kind, Path modelDir, int threads, boolean panama, Path log)
            throws IOException {
        String reason = unavailableReason();
        if (!reason.isEmpty()) {
            throw new IllegalStateException(reason);
        }
        List<String> command = new ArrayList<>(List.of(javaHome().resolve("bin/java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx4g"));
        if (panama) {
            command.add("-Djlama.force_panama_tensor_operations=true");
        }
        command.addAll(List.of("-cp", moduleDir().resolve("target/lib") + "/*", moduleDir().resolve(RUNNER).toString(),
                kind, modelDir.toString(), Integer.toString(threads)));
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        try {
            return new JlamaProcess(name, process);
        } catch (IOException | RuntimeException e) {
            process.destroyForcibly();
            throw e;
        }
    }

    /** Jlama's name for the tensor operations it chose. */
    String ops() {
        return ops;
    }

    double loadSeconds() {
        return loadSeconds;
    }

    /** Sends one command and returns its answer's {@code key=value} fields. */
    Map<String, String> call(String command) {
        in.println(command);
        try {
            return await("RESULT");
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + name + "'s answer to " + abbreviate(command) + " failed", e);
        }
    }

    private Map<String, String> await(String tag) throws IOException {
        List<String> other = new ArrayList<>();
        for (String line; (line = out.readLine()) != null; ) {
            if (line.startsWith(tag + " ")) {
                Map<String, String> fields = new HashMap<>();
                // values may hold spaces ("ops=Native SIMD Operations"): a field starts at " key="
                for (String word : line.substring(tag.length() + 1).split(" (?=[a-z_]+=)")) {
                    int eq = word.indexOf('=');
                    fields.put(word.substring(0, eq), word.substring(eq + 1));
                }
                return fields;
            }
            if (line.startsWith("ERROR ")) {
                throw new IllegalStateException(name + " answered " + line);
            }
            other.add(line);
        }
        throw new IllegalStateException(name + " ended before answering " + tag + " (see its log); its output: " + other);
    }

    private static String abbreviate(String command) {
        return command.length() > 60 ? command.substring(0, 60) + "…" : command;
    }

    @Override
    public void close() {
        in.println("quit");
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
