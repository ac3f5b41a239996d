package io.textintel.deployment;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;

import java.util.List;
import java.util.Map;

/**
 * The custom resources no Maven Central model is served for, as strict records of the fields k8s/ uses,
 * following the operators' CRD reference documentation: Flink Kubernetes Operator
 * ({@code flink.apache.org/v1beta1} FlinkDeployment) and ECK ({@code elasticsearch.k8s.elastic.co/v1}
 * Elasticsearch, {@code kibana.k8s.elastic.co/v1} Kibana). Read with FAIL_ON_UNKNOWN_PROPERTIES, so a field
 * that is not listed here fails; embedded Kubernetes types (podTemplate, volumeClaimTemplates) are fabric8's.
 */
final class OperatorResources {

    private OperatorResources() {}

    record FlinkDeployment(String apiVersion, String kind, ObjectMeta metadata, FlinkDeploymentSpec spec) {}

    record FlinkDeploymentSpec(String image, String imagePullPolicy, String serviceAccount, String flinkVersion,
            Map<String, String> flinkConfiguration, Map<String, String> logConfiguration, String mode,
            Pod podTemplate, JobManagerSpec jobManager, TaskManagerSpec taskManager, JobSpec job, Long restartNonce) {}

    record Resource(Double cpu, String memory, String ephemeralStorage) {}

    record JobManagerSpec(Resource resource, Integer replicas, Pod podTemplate) {}

    record TaskManagerSpec(Resource resource, Integer replicas, Pod podTemplate) {}

    record JobSpec(String jarURI, Integer parallelism, String entryClass, List<String> args, String state,
            String upgradeMode, Boolean allowNonRestoredState, String initialSavepointPath,
            Long savepointTriggerNonce, Long checkpointTriggerNonce, Long savepointRedeployNonce) {}

    record Elasticsearch(String apiVersion, String kind, ObjectMeta metadata, ElasticsearchSpec spec) {}

    record ElasticsearchSpec(String version, List<NodeSet> nodeSets) {}

    record NodeSet(String name, Integer count, Map<String, Object> config,
            List<PersistentVolumeClaim> volumeClaimTemplates, Pod podTemplate) {}

    record Kibana(String apiVersion, String kind, ObjectMeta metadata, KibanaSpec spec) {}

    record KibanaSpec(String version, Integer count, ObjectReference elasticsearchRef, Map<String, Object> config,
            Pod podTemplate) {}

    record ObjectReference(String name, String namespace) {}
}
