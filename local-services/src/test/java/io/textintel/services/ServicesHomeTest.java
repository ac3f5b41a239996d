package io.textintel.services;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServicesHomeTest {

    @TempDir
    Path tmp;

    @Test
    void systemPropertyWinsOverEnvironmentAndSearch() throws Exception {
        Path fromProperty = Files.createDirectories(tmp.resolve("property"));
        Path fromEnv = Files.createDirectories(tmp.resolve("env"));
        Files.createDirectories(tmp.resolve(ServicesHome.RELATIVE_PATH));

        ServicesHome home = ServicesHome.locate(fromProperty.toString(), Map.of(ServicesHome.ENV, fromEnv.toString()),
                tmp);

        assertThat(home.root()).isEqualTo(fromProperty);
    }

    @Test
    void environmentIsUsedWithoutProperty() throws Exception {
        Path fromEnv = Files.createDirectories(tmp.resolve("env"));

        ServicesHome home = ServicesHome.locate(null, Map.of(ServicesHome.ENV, fromEnv.toString()), tmp);

        assertThat(home.root()).isEqualTo(fromEnv);
    }

    @Test
    void searchesUpwardFromTheWorkingDirectory() throws Exception {
        Path services = Files.createDirectories(tmp.resolve(ServicesHome.RELATIVE_PATH));
        Path deep = Files.createDirectories(tmp.resolve("jobs/src/main"));

        ServicesHome home = ServicesHome.locate(" ", Map.of(), deep);

        assertThat(home.root()).isEqualTo(services);
    }

    @Test
    void notFoundNamesEverySourceAndHowToPrepareIt() {
        Path deep = tmp.resolve("a/b");

        assertThatThrownBy(() -> ServicesHome.locate(null, Map.of(), deep))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(ServicesHome.PROPERTY)
                .hasMessageContaining(ServicesHome.ENV)
                .hasMessageContaining(deep.resolve(ServicesHome.RELATIVE_PATH).toString())
                .hasMessageContaining("./mvnw install -DskipTests");
    }

    @Test
    void missingFolderFromPropertyIsNamed() {
        Path missing = tmp.resolve("missing");

        assertThatThrownBy(() -> ServicesHome.locate(missing.toString(), Map.of(), tmp))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(missing.toString())
                .hasMessageContaining("system property " + ServicesHome.PROPERTY);
    }

    @Test
    void findsKafkaLibsAndTheElasticsearchDistribution() throws Exception {
        Files.createDirectories(tmp.resolve("kafka/libs"));
        Files.createFile(tmp.resolve("kafka/libs/kafka_2.13-4.2.0.jar"));
        for (String version : List.of("8.19.21", "9.5.3")) {
            Files.createDirectories(tmp.resolve("elasticsearch-" + version + "/bin"));
            Files.createFile(tmp.resolve("elasticsearch-" + version + "/bin/elasticsearch"));
        }

        ServicesHome home = ServicesHome.at(tmp);

        assertThat(home.kafkaLibs()).isEqualTo(tmp.resolve("kafka/libs"));
        assertThat(home.elasticsearchHomes())
                .containsExactly(tmp.resolve("elasticsearch-8.19.21"), tmp.resolve("elasticsearch-9.5.3"));
        assertThat(home.elasticsearchHome("8")).isEqualTo(tmp.resolve("elasticsearch-8.19.21"));
        assertThat(home.elasticsearchHome("8.19.21")).isEqualTo(tmp.resolve("elasticsearch-8.19.21"));
        assertThat(home.elasticsearchHome("9.5")).isEqualTo(tmp.resolve("elasticsearch-9.5.3"));
        // A leading part matches whole components only: 9.5 is not 9.50.
        assertThatThrownBy(() -> home.elasticsearchHome("9.50"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("version 9.50")
                .hasMessageContaining("elasticsearch-9.5.3");
        assertThatThrownBy(() -> home.elasticsearchHome("nine"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'nine'");
    }

    @Test
    void incompleteFolderSaysWhatIsMissing() throws Exception {
        Files.createDirectories(tmp.resolve("kafka/libs"));
        ServicesHome home = ServicesHome.at(tmp);

        assertThatThrownBy(home::kafkaLibs)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(tmp.resolve("kafka/libs").toString())
                .hasMessageContaining("kafka_");
        assertThatThrownBy(() -> home.elasticsearchHome("8"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("elasticsearch-<version>/bin/elasticsearch");
    }

    @Test
    void moduleBuildPreparedTheRealFolder() {
        // Surefire passes textintel.services.home = target/services, filled in generate-resources.
        ServicesHome home = ServicesHome.locate();

        assertThat(home.kafkaLibs().resolve("kafka-clients-4.2.0.jar")).isRegularFile();
        assertThat(home.elasticsearchHome("8").getFileName().toString()).isEqualTo("elasticsearch-8.19.21");
        assertThat(home.elasticsearchHome("9").getFileName().toString()).isEqualTo("elasticsearch-9.5.3");
    }
}
