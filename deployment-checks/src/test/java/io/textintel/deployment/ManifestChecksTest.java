package io.textintel.deployment;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.strimzi.api.kafka.model.kafka.Kafka;
import io.strimzi.api.kafka.model.kafka.listener.GenericKafkaListener;
import io.strimzi.api.kafka.model.nodepool.KafkaNodePool;
import io.strimzi.api.kafka.model.topic.KafkaTopic;
import io.strimzi.api.kafka.model.user.KafkaUser;
import io.textintel.jobs.TextIntelligenceJob;
import io.textintel.jobs.cli.TextIntelCommand;
import io.textintel.jobs.config.PipelineConfig;
import io.textintel.jobs.config.PipelineConfigs;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Renders each overlay of k8s/ and checks every object without a cluster: parsed into fabric8's and
 * Strimzi's published models (or the strict {@link OperatorResources} records) with unknown fields rejected,
 * then cross-referenced: names, labels, Secret and ConfigMap keys, volumes, topics and service URLs against
 * the pipeline YAML, which itself loads with the project's own {@code PipelineConfigLoader}.
 */
class ManifestChecksTest {

    private static final Path K8S = Path.of(System.getProperty("textintel.root", "..")).toAbsolutePath().normalize()
            .resolve("k8s");
    private static final Path TEST_CA = K8S.resolveSibling("connectors/src/test/resources/tls/test-ca.crt");
    /** KafkaTopics the pipeline configuration does not name (see the file's comment). */

    private final Map<String, Integer> checked = new TreeMap<>();
    private final Map<String, List<String>> secretKeys = new HashMap<>();
    private final Map<String, ConfigMap> configMaps = new HashMap<>();
    private final Set<String> claims = new HashSet<>();
    private final Set<String> serviceAccounts = new HashSet<>();
    private final List<Job> jobs = new ArrayList<>();
    private final List<KafkaTopic> topics = new ArrayList<>();
    private final List<KafkaUser> users = new ArrayList<>();
    private final List<KafkaNodePool> pools = new ArrayList<>();
    private final List<RoleBinding> bindings = new ArrayList<>();
    private Kafka kafka;
    private OperatorResources.FlinkDeployment flink;
    private OperatorResources.Elasticsearch elasticsearch;
    private OperatorResources.Kibana kibana;

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "gpu"})
    void overlayRendersToValidCrossReferencedObjects(String overlay) throws Exception {
        List<ObjectNode> objects = KustomizeRenderer.render(K8S.resolve("overlays").resolve(overlay));
        for (ObjectNode object : objects) {
            parse(object);
        }
        assertThat(kafka).as("a Kafka").isNotNull();
        assertThat(flink).as("a FlinkDeployment").isNotNull();
        assertThat(elasticsearch).as("an Elasticsearch").isNotNull();
        assertThat(kibana).as("a Kibana").isNotNull();

        String kafkaName = kafka.getMetadata().getName();
        String esName = elasticsearch.metadata().getName();
        // Secrets the operators write (Strimzi's and ECK's documented names and keys).
        users.forEach(u -> secretKeys.put(u.getMetadata().getName(), List.of("password", "sasl.jaas.config")));
        secretKeys.put(kafkaName + "-cluster-ca-cert", List.of("ca.crt", "ca.p12", "ca.password"));
        secretKeys.put(esName + "-es-elastic-user", List.of("elastic"));
        secretKeys.put(esName + "-es-http-certs-public", List.of("ca.crt", "tls.crt"));

        checkKafka(kafkaName);
        PodSpec flinkPod = flink.spec().podTemplate().getSpec();
        checkPod("FlinkDeployment/" + flink.metadata().getName(), flinkPod);
        assertThat(serviceAccounts).contains(flink.spec().serviceAccount());
        assertThat(bindings).anySatisfy(b -> assertThat(b.getSubjects())
                .anySatisfy(s -> assertThat(s.getName()).isEqualTo(flink.spec().serviceAccount())));
        for (Job job : jobs) {
            checkPod("Job/" + job.getMetadata().getName(), job.getSpec().getTemplate().getSpec());
        }

        checkCommandLines();
        PipelineConfig pipeline = loadPipeline(flinkPod, flink.spec().job().args());
        checkFlink(overlay, flinkPod);
        checkTopicsAndServices(pipeline, kafkaName, esName);
        assertThat(pipeline.engine().backend()).isEqualTo(overlay.equals("gpu") ? "cuda" : "cpu");
        assertThat(Class.forName(flink.spec().job().entryClass())).as("entryClass on the job jar's classpath").isNotNull();

        System.out.printf("overlay %s: %d objects checked %s; pipeline %s: topics %s, dead letters %s, drift %s,"
                        + " enriched %s%n", overlay, objects.size(), checked, pipeline.jobName(),
                pipeline.kafka().topics(), pipeline.kafka().deadLetterTopic(), pipeline.drift().topic(),
                pipeline.kafka().enrichedTopic());
    }

    private void parse(ObjectNode object) {
        String kind = object.path("kind").asText();
        String apiVersion = object.path("apiVersion").asText();
        String expectedApi = switch (kind) {
            case "Kafka", "KafkaNodePool", "KafkaTopic", "KafkaUser" -> "kafka.strimzi.io/v1";
            case "FlinkDeployment" -> "flink.apache.org/v1beta1";
            case "Elasticsearch" -> "elasticsearch.k8s.elastic.co/v1";
            case "Kibana" -> "kibana.k8s.elastic.co/v1";
            case "Job" -> "batch/v1";
            case "Role", "RoleBinding" -> "rbac.authorization.k8s.io/v1";
            default -> "v1";
        };
        assertThat(apiVersion).as("apiVersion of %s", KustomizeRenderer.id(object)).isEqualTo(expectedApi);
        switch (kind) {
            case "Namespace" -> StrictModels.read(object, Namespace.class);
            case "ConfigMap" -> {
                ConfigMap map = StrictModels.read(object, ConfigMap.class);
                configMaps.put(map.getMetadata().getName(), map);
            }
            case "PersistentVolumeClaim" -> claims.add(StrictModels.read(object, PersistentVolumeClaim.class)
                    .getMetadata().getName());
            case "ServiceAccount" -> serviceAccounts.add(StrictModels.read(object, ServiceAccount.class)
                    .getMetadata().getName());
            case "Role" -> StrictModels.read(object, Role.class);
            case "RoleBinding" -> bindings.add(StrictModels.read(object, RoleBinding.class));
            case "Job" -> jobs.add(StrictModels.read(object, Job.class));
            case "Kafka" -> kafka = StrictModels.read(object, Kafka.class);
            case "KafkaNodePool" -> pools.add(StrictModels.read(object, KafkaNodePool.class));
            case "KafkaTopic" -> topics.add(StrictModels.read(object, KafkaTopic.class));
            case "KafkaUser" -> users.add(StrictModels.read(object, KafkaUser.class));
            case "FlinkDeployment" -> flink = StrictModels.read(object, OperatorResources.FlinkDeployment.class);
            case "Elasticsearch" -> elasticsearch = StrictModels.read(object, OperatorResources.Elasticsearch.class);
            case "Kibana" -> kibana = StrictModels.read(object, OperatorResources.Kibana.class);
            default -> throw new AssertionError("no model to check " + KustomizeRenderer.id(object) + " against");
        }
        checked.merge(kind, 1, Integer::sum);
    }

    private void checkKafka(String kafkaName) {
        assertThat(pools).as("KRaft node pools").isNotEmpty().allSatisfy(pool -> {
            assertThat(pool.getMetadata().getLabels()).containsEntry("strimzi.io/cluster", kafkaName);
        });
        assertThat(pools.stream().flatMap(p -> p.getSpec().getRoles().stream()).map(Object::toString)
                .map(String::toLowerCase)).contains("controller", "broker");
        Stream.concat(topics.stream().map(t -> t.getMetadata()), users.stream().map(u -> u.getMetadata()))
                .forEach(meta -> assertThat(meta.getLabels()).as("%s's cluster label", meta.getName())
                        .containsEntry("strimzi.io/cluster", kafkaName));
    }

    private void checkPod(String owner, PodSpec pod) {
        Map<String, Volume> volumes = new HashMap<>();
        pod.getVolumes().forEach(v -> volumes.put(v.getName(), v));
        for (Volume volume : volumes.values()) {
            if (volume.getConfigMap() != null) {
                ConfigMap map = configMaps.get(volume.getConfigMap().getName());
                assertThat(map).as("%s volume %s: ConfigMap", owner, volume.getName()).isNotNull();
            }
            if (volume.getSecret() != null) {
                List<String> keys = secretKeys.get(volume.getSecret().getSecretName());
                assertThat(keys).as("%s volume %s: Secret %s", owner, volume.getName(),
                        volume.getSecret().getSecretName()).isNotNull();
                volume.getSecret().getItems().forEach(item -> assertThat(keys).contains(item.getKey()));
            }
            if (volume.getPersistentVolumeClaim() != null) {
                assertThat(claims).as("%s volume %s: claim", owner, volume.getName())
                        .contains(volume.getPersistentVolumeClaim().getClaimName());
            }
        }
        List<Container> containers = new ArrayList<>(pod.getContainers());
        containers.addAll(pod.getInitContainers());
        for (Container container : containers) {
            for (VolumeMount mount : container.getVolumeMounts()) {
                assertThat(volumes).as("%s container %s mounts", owner, container.getName()).containsKey(mount.getName());
            }
            for (EnvVar env : container.getEnv()) {
                if (env.getValueFrom() != null && env.getValueFrom().getSecretKeyRef() != null) {
                    var ref = env.getValueFrom().getSecretKeyRef();
                    assertThat(secretKeys.get(ref.getName())).as("%s env %s: Secret %s", owner, env.getName(),
                            ref.getName()).isNotNull().contains(ref.getKey());
                }
            }
        }
    }

    /**
     * Every Job container running the CLI parses with the CLI's own picocli model down to a command that
     * runs; the FlinkDeployment runs {@link TextIntelligenceJob#main}, whose arguments are {@code --config
     * FILE} once and {@code --set key=value} pairs.
     */
    private void checkCommandLines() {
        int parsed = 0;
        for (Job job : jobs) {
            PodSpec pod = job.getSpec().getTemplate().getSpec();
            for (Container c : Stream.concat(pod.getInitContainers().stream(), pod.getContainers().stream()).toList()) {
                if (!c.getCommand().get(c.getCommand().size() - 1).equals(TextIntelCommand.class.getName())) {
                    continue;
                }
                CommandLine.ParseResult result = new CommandLine(new TextIntelCommand())
                        .parseArgs(c.getArgs().toArray(String[]::new));
                while (result.subcommand() != null) {
                    result = result.subcommand();
                }
                assertThat(result.unmatched()).as("Job/%s args %s", job.getMetadata().getName(), c.getArgs())
                        .isEmpty();
                assertThat(result.commandSpec().userObject()).as("Job/%s runs %s", job.getMetadata().getName(),
                        result.commandSpec().qualifiedName()).isInstanceOfAny(Runnable.class, Callable.class);
                parsed++;
            }
        }
        assertThat(parsed).as("Job containers running TextIntelCommand").isGreaterThanOrEqualTo(2);

        assertThat(flink.spec().job().entryClass()).isEqualTo(TextIntelligenceJob.class.getName());
        List<String> args = flink.spec().job().args();
        assertThat(args.size() % 2).as("FlinkDeployment args %s come in pairs", args).isZero();
        for (int i = 0; i < args.size(); i += 2) {
            assertThat(args.get(i)).as("FlinkDeployment args %s", args).isIn("--config", "--set");
        }
        assertThat(args.stream().filter("--config"::equals)).as("--config in %s", args).hasSize(1);
    }

    private PipelineConfig loadPipeline(PodSpec pod, List<String> args) {
        String file = args.get(args.indexOf("--config") + 1);
        for (Container container : pod.getContainers()) {
            for (VolumeMount mount : container.getVolumeMounts()) {
                if (file.startsWith(mount.getMountPath() + "/")) {
                    Volume volume = pod.getVolumes().stream().filter(v -> v.getName().equals(mount.getName()))
                            .findFirst().orElseThrow();
                    ConfigMap map = configMaps.get(volume.getConfigMap().getName());
                    String key = file.substring(mount.getMountPath().length() + 1);
                    assertThat(map.getData()).as("ConfigMap %s keys", map.getMetadata().getName()).containsKey(key);
                    Set<String> envNames = new HashSet<>();
                    container.getEnv().forEach(e -> envNames.add(e.getName()));
                    String yaml = map.getData().get(key);
                    // The CA file comes from a Secret volume in the pod; here a test CA stands in for it.
                    String caFile = PipelineConfigs.parse(yaml, "ConfigMap", List.of(
                            "elasticsearch.ca-certificate=" + TEST_CA), name -> "x").elasticsearch().caCertificate();
                    assertThat(caFile).isEqualTo(TEST_CA.toString());
                    String configuredCa = KustomizeRenderer.YAML.valueToTree(
                            new org.yaml.snakeyaml.Yaml().load(yaml)).path("elasticsearch").path("ca-certificate").asText();
                    assertThat(pod.getVolumes()).as("elasticsearch.ca-certificate %s comes from a Secret volume", configuredCa)
                            .anySatisfy(v -> assertThat(v.getSecret()).isNotNull().satisfies(secret -> assertThat(
                                    container.getVolumeMounts()).anySatisfy(m -> assertThat(configuredCa).isEqualTo(
                                    m.getMountPath() + "/" + secret.getItems().get(0).getPath())
                                    .satisfies(x -> assertThat(m.getName()).isEqualTo(v.getName())))));
                    return PipelineConfigs.parse(yaml, "ConfigMap " + map.getMetadata().getName()
                            + "/" + key, List.of("elasticsearch.ca-certificate=" + TEST_CA), name -> {
                                assertThat(envNames).as("${env:%s} is set on the container", name).contains(name);
                                return "value-of-" + name;
                            });
                }
            }
        }
        throw new AssertionError("--config " + file + " is under no volume mount of the Flink container");
    }

    private void checkFlink(String overlay, PodSpec pod) {
        Map<String, String> conf = flink.spec().flinkConfiguration();
        assertThat(flink.spec().job().upgradeMode()).isEqualTo("last-state");
        assertThat(flink.spec().job().jarURI()).isEqualTo("local:///opt/flink/usrlib/textintel-jobs.jar");
        assertThat(conf).containsEntry("high-availability.type", "kubernetes")
                .containsKeys("high-availability.storageDir", "execution.checkpointing.dir",
                        "execution.checkpointing.savepoint-dir")
                .containsEntry("env.java.opts.taskmanager", "--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED")
                .as("DJL and JCuda from Flink's lib/, where the image puts native-lib")
                .containsEntry("classloader.parent-first-patterns.additional", "ai.djl.;jcuda.")
                .containsEntry("metrics.reporter.prom.factory.class",
                        "org.apache.flink.metrics.prometheus.PrometheusReporterFactory")
                .containsEntry("metrics.reporter.prom.port", "9249");
        String stateMount = pod.getContainers().get(0).getVolumeMounts().stream()
                .filter(m -> m.getName().equals("flink-state")).findFirst().orElseThrow().getMountPath();
        for (String key : List.of("high-availability.storageDir", "execution.checkpointing.dir",
                "execution.checkpointing.savepoint-dir")) {
            assertThat(conf.get(key)).as("%s on the shared state volume", key).startsWith("file://" + stateMount + "/");
        }
        assertThat(pod.getContainers().get(0).getName()).isEqualTo("flink-main-container");
        // The port Prometheus is told to scrape is the one the reporter listens on and the container opens.
        int reporterPort = Integer.parseInt(conf.get("metrics.reporter.prom.port"));
        assertThat(flink.spec().podTemplate().getMetadata().getAnnotations())
                .containsEntry("prometheus.io/scrape", "true")
                .containsEntry("prometheus.io/port", String.valueOf(reporterPort));
        assertThat(pod.getContainers().get(0).getPorts()).as("container ports of the Flink pods")
                .anySatisfy(p -> assertThat(p.getContainerPort()).isEqualTo(reporterPort));
        if (overlay.equals("gpu")) {
            assertThat(flink.spec().image()).endsWith("-gpu");
            assertThat(conf).containsEntry("external-resources", "gpu")
                    .containsEntry("external-resource.gpu.kubernetes.config-key", "nvidia.com/gpu")
                    .containsEntry("external-resource.gpu.amount", "1")
                    .containsEntry("external-resource.gpu.driver-factory.class",
                            "org.apache.flink.externalresource.gpu.GPUDriverFactory");
            jobs.forEach(job -> job.getSpec().getTemplate().getSpec().getContainers()
                    .forEach(c -> assertThat(c.getImage()).endsWith("-gpu")));
        } else {
            assertThat(conf).doesNotContainKey("external-resources");
        }
    }

    private void checkTopicsAndServices(PipelineConfig pipeline, String kafkaName, String esName) {
        Set<String> pipelineTopics = new HashSet<>(pipeline.kafka().topics());
        pipelineTopics.add(pipeline.kafka().deadLetterTopic());
        pipelineTopics.add(pipeline.drift().topic());
        if (pipeline.kafka().writesEnrichedDocuments()) {
            pipelineTopics.add(pipeline.kafka().enrichedTopic());
        }
        Set<String> declared = new HashSet<>();
        topics.forEach(t -> declared.add(t.getSpec().getTopicName() != null ? t.getSpec().getTopicName()
                : t.getMetadata().getName()));
        assertThat(declared).as("KafkaTopics").containsAll(pipelineTopics);
        Set<String> extra = new HashSet<>(declared);
        extra.removeAll(pipelineTopics);
        assertThat(extra).as("KafkaTopics the pipeline does not name").isEmpty();

        GenericKafkaListener listener = kafka.getSpec().getKafka().getListeners().stream()
                .filter(l -> pipeline.kafka().bootstrapServers().equals(kafkaName + "-kafka-bootstrap:" + l.getPort()))
                .findFirst().orElseThrow(() -> new AssertionError("kafka.bootstrap-servers "
                        + pipeline.kafka().bootstrapServers() + " is no listener of Kafka " + kafkaName));
        assertThat(listener.isTls()).isTrue();
        assertThat(pipeline.kafka().properties()).containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-512");
        assertThat(listener.getAuth().getType()).isEqualTo("scram-sha-512");

        assertThat(pipeline.elasticsearch().hosts()).containsExactly("https://" + esName + "-es-http:9200");
        assertThat(kibana.spec().elasticsearchRef().name()).isEqualTo(esName);
        String kibanaUrl = "https://" + kibana.metadata().getName() + "-kb-http:5601";
        assertThat(jobs).anySatisfy(job -> assertThat(job.getSpec().getTemplate().getSpec().getContainers())
                .anySatisfy(c -> assertThat(c.getArgs()).containsSubsequence("setup", "--kibana", kibanaUrl)));
    }
}
