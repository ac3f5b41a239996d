package io.textintel.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the Jlama peer's runtime and classpath are found, and what is said when they are not. */
class JlamaProcessTest {

    @Test
    void namesTheSettingWhenTheJavaRuntimeIsMissing(@TempDir Path empty) {
        String previous = System.setProperty(JlamaProcess.JAVA_HOME_PROPERTY, empty.toString());
        try {
            assertThat(JlamaProcess.javaHome()).isEqualTo(empty);
            assertThat(JlamaProcess.unavailableReason()).contains("no Java runtime at " + empty)
                    .contains("-D" + JlamaProcess.JAVA_HOME_PROPERTY).contains(JlamaProcess.JAVA_HOME_ENV);
            assertThatThrownBy(() -> JlamaProcess.start("Jlama", "decoder", empty, 1, false, empty.resolve("log")))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("Jlama needs Java 21+");
        } finally {
            restore(JlamaProcess.JAVA_HOME_PROPERTY, previous);
        }
    }

    @Test
    void namesTheBuildCommandWhenTheClasspathIsMissing(@TempDir Path empty) {
        String previousHome = System.setProperty(JlamaProcess.JAVA_HOME_PROPERTY, System.getProperty("java.home"));
        String previousDir = System.setProperty(JlamaProcess.DIR_PROPERTY, empty.toString());
        try {
            assertThat(JlamaProcess.unavailableReason()).contains(empty.resolve("target/lib").toString())
                    .contains("./mvnw -B -pl peer-jlama package");
        } finally {
            restore(JlamaProcess.JAVA_HOME_PROPERTY, previousHome);
            restore(JlamaProcess.DIR_PROPERTY, previousDir);
        }
    }

    private static void restore(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }
}
