package io.textintel.services;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ElasticsearchJavaTest {

    @TempDir
    Path tmp;

    private Path jdk(String name, String javaVersion) throws Exception {
        Path home = tmp.resolve("jvm").resolve(name);
        Files.createDirectories(home.resolve("bin"));
        Files.createFile(home.resolve("bin/java"));
        Files.writeString(home.resolve("release"), "IMPLEMENTOR=\"x\"\nJAVA_VERSION=\"" + javaVersion + "\"\n");
        return home;
    }

    @Test
    void elasticsearch8RunsOnTheRunningJava17() throws Exception {
        Path running = jdk("running-17", "17.0.18");

        assertThat(ElasticsearchJava.homeFor("8.19.21", null, null, running, 17, tmp.resolve("jvm")))
                .isEqualTo(running);
    }

    @Test
    void elasticsearch9FindsTheNewestJdk21OrLaterWhenTheRunningJvmIsOlder() throws Exception {
        Path running = jdk("java-17-openjdk-amd64", "17.0.18");
        jdk("java-8", "1.8.0_402");
        Path jdk21 = jdk("temurin-21-jdk-amd64", "21.0.9");
        Path jdk25 = jdk("temurin-25-jdk-amd64", "25.0.3");
        Files.createSymbolicLink(tmp.resolve("jvm/zz-latest"), jdk21);

        assertThat(ElasticsearchJava.installedJdks(tmp.resolve("jvm")).values()).containsExactly(17, 8, 21, 25);
        assertThat(ElasticsearchJava.homeFor("9.5.3", null, null, running, 17, tmp.resolve("jvm"))).isEqualTo(jdk25);
        // A new enough running JVM is used as it is.
        assertThat(ElasticsearchJava.homeFor("9.5.3", null, null, jdk21, 21, tmp.resolve("jvm"))).isEqualTo(jdk21);
    }

    @Test
    void propertyWinsOverEnvironmentAndSearchButMustBeNewEnough() throws Exception {
        Path running = jdk("running-17", "17.0.18");
        Path jdk21 = jdk("jdk-21", "21.0.9");
        Path jdk25 = jdk("jdk-25", "25.0.3");

        assertThat(ElasticsearchJava.homeFor("9.5.3", jdk21.toString(), jdk25.toString(), running, 17,
                tmp.resolve("jvm"))).isEqualTo(jdk21);
        assertThat(ElasticsearchJava.homeFor("9.5.3", null, jdk21.toString(), running, 17, tmp.resolve("jvm")))
                .isEqualTo(jdk21);
        assertThatThrownBy(() -> ElasticsearchJava.homeFor("9.5.3", running.toString(), null, running, 17,
                        tmp.resolve("jvm")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("system property " + ElasticsearchJava.PROPERTY)
                .hasMessageContaining("a Java 17; Elasticsearch 9.5.3 needs Java 21 or newer");
        assertThatThrownBy(() -> ElasticsearchJava.homeFor("9.5.3", null, tmp.resolve("nothing").toString(),
                        running, 17, tmp.resolve("jvm")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("environment variable " + ElasticsearchJava.ENV)
                .hasMessageContaining("expected a JDK home with bin/java and a release file");
    }

    @Test
    void noJdkNewEnoughNamesEverythingLookedAt() throws Exception {
        Path running = jdk("java-17-openjdk-amd64", "17.0.18");

        assertThatThrownBy(() -> ElasticsearchJava.homeFor("9.5.3", null, null, running, 17, tmp.resolve("jvm")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Elasticsearch 9.5.3 needs Java 21 or newer")
                .hasMessageContaining("the running JVM (" + running + ") is Java 17")
                .hasMessageContaining(ElasticsearchJava.PROPERTY)
                .hasMessageContaining(ElasticsearchJava.ENV)
                .hasMessageContaining("holds only {" + running + "=17}");
        assertThatThrownBy(() -> ElasticsearchJava.homeFor("9.5.3", null, null, running, 17, tmp.resolve("none")))
                .hasMessageContaining("holds no JDK");
    }
}
