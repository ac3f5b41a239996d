package io.textintel.it.support;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The deployable job jar ({@code jobs/target/textintel-jobs.jar}) and the Flink runtime beside it
 * ({@code jobs/target/flink-lib}, what a Flink distribution's lib/ holds), as built by the jobs
 * module's package phase.
 */
public final class JobJar {

    private JobJar() {}

    /** The jobs module's target folder, from this module's working directory. */
    public static Path target() {
        return Path.of("..", "jobs", "target").toAbsolutePath().normalize();
    }

    /** The shaded job jar; fails with the build command when it has not been built. */
    public static Path jar() {
        Path jar = target().resolve("textintel-jobs.jar");
        if (!Files.isRegularFile(jar) || !Files.isDirectory(target().resolve("flink-lib"))) {
            throw new IllegalStateException(jar + " or flink-lib beside it is missing, expected the jobs module"
                    + " packaged first (./mvnw -pl jobs -am -DskipTests package)");
        }
        return jar;
    }

    /** The class path of the job jar on the Flink runtime: {@code textintel-jobs.jar:flink-lib/*}. */
    public static String classpath() {
        return jar() + File.pathSeparator + target().resolve("flink-lib") + File.separator + "*";
    }
}
