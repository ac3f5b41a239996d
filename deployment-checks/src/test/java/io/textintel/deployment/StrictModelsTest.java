package io.textintel.deployment;

import com.fasterxml.jackson.databind.JsonNode;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.strimzi.api.kafka.model.topic.KafkaTopic;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The strict reading and the kustomize subset refuse what they do not know, naming where it is. */
class StrictModelsTest {

    private static JsonNode yaml(String text) throws Exception {
        return KustomizeRenderer.YAML.readTree(text);
    }

    @Test
    void unknownFieldInAStrimziModelFails() throws Exception {
        JsonNode topic = yaml("""
                apiVersion: kafka.strimzi.io/v1
                kind: KafkaTopic
                metadata: {name: feedback}
                spec: {partitions: 3, replica: 3}
                """);
        assertThatThrownBy(() -> StrictModels.read(topic, KafkaTopic.class))
                .hasMessageContaining("KafkaTopic/feedback.spec has fields [replica]");
    }

    @Test
    void unknownFieldDeepInAFabric8ModelFails() throws Exception {
        JsonNode job = yaml("""
                apiVersion: batch/v1
                kind: Job
                metadata: {name: setup}
                spec:
                  template:
                    spec:
                      containers:
                        - {name: setup, image: x, volumeMount: []}
                """);
        assertThatThrownBy(() -> StrictModels.read(job, Job.class))
                .hasMessageContaining("has fields [volumeMount]");
    }

    @Test
    void unknownFieldInAnOperatorRecordFails() throws Exception {
        JsonNode flink = yaml("""
                apiVersion: flink.apache.org/v1beta1
                kind: FlinkDeployment
                metadata: {name: textintel}
                spec: {job: {jarURI: local:///x.jar, upgradeMod: last-state}}
                """);
        assertThatThrownBy(() -> StrictModels.read(flink, OperatorResources.FlinkDeployment.class))
                .hasMessageContaining("upgradeMod");
        JsonNode known = yaml("""
                apiVersion: flink.apache.org/v1beta1
                kind: FlinkDeployment
                metadata: {name: textintel}
                spec: {job: {jarURI: local:///x.jar, upgradeMode: last-state}}
                """);
        assertThat(StrictModels.read(known, OperatorResources.FlinkDeployment.class).spec().job().upgradeMode())
                .isEqualTo("last-state");
    }

    @Test
    void patchesMergeNamedListsByNameAndMissingTargetsFail(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("job.yaml"), """
                apiVersion: batch/v1
                kind: Job
                metadata: {name: setup}
                spec: {template: {spec: {containers: [{name: a, image: one, args: [x]}, {name: b, image: two}]}}}
                """);
        Files.writeString(dir.resolve("patch.yaml"), """
                apiVersion: batch/v1
                kind: Job
                metadata: {name: setup}
                spec: {template: {spec: {containers: [{name: b, image: three}]}}}
                """);
        Files.writeString(dir.resolve("kustomization.yaml"), """
                resources: [job.yaml]
                patches: [{path: patch.yaml}]
                namespace: ns
                """);
        JsonNode job = KustomizeRenderer.render(dir).get(0);
        assertThat(job.at("/spec/template/spec/containers/0/image").asText()).isEqualTo("one");
        assertThat(job.at("/spec/template/spec/containers/1/image").asText()).isEqualTo("three");
        assertThat(job.at("/metadata/namespace").asText()).isEqualTo("ns");

        Files.writeString(dir.resolve("patch.yaml"), """
                apiVersion: batch/v1
                kind: Job
                metadata: {name: other}
                """);
        assertThatThrownBy(() -> KustomizeRenderer.render(dir)).hasMessageContaining("Job/other");
        Files.writeString(dir.resolve("kustomization.yaml"), "resources: [job.yaml]\nimages: []\n");
        assertThatThrownBy(() -> KustomizeRenderer.render(dir)).hasMessageContaining("'images'");
    }
}
