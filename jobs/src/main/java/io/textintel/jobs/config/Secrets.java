package io.textintel.jobs.config;

import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;

import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/** How configuration records print secrets: never, only whether one is set. */
public final class Secrets {

    /** What a set secret prints as. */
    public static final String MASK = "***";

    /** Names that hold secrets in any client: passwords, JAAS lines, tokens, keys, credentials. */
    private static final Pattern SECRET_NAME = Pattern.compile(
            "(?i).*(password|passwd|secret|jaas|token|credential|api[._-]?key|private[._-]?key|user\\.info).*");

    private Secrets() {}

    /** {@value #MASK} for a set value, {@code null} for none. */
    public static String mask(String value) {
        return value == null ? null : MASK;
    }

    /**
     * Whether a Kafka client property holds a secret: Kafka's own configuration definitions of the
     * producer, consumer and admin client mark it as a password ({@code sasl.jaas.config},
     * {@code ssl.key.password}, {@code ssl.keystore.key}...), or its name says so (properties of
     * plugins Kafka does not define, e.g. a schema registry's {@code basic.auth.user.info}).
     */
    public static boolean isSecretKafkaProperty(String name) {
        return isPassword(ProducerConfig.configDef(), name)
                || isPassword(ConsumerConfig.configDef(), name)
                || isPassword(AdminClientConfig.configDef(), name)
                || SECRET_NAME.matcher(name).matches();
    }

    /** The properties, sorted by name, with the values of secret ones masked. */
    public static Map<String, String> maskKafkaProperties(Map<String, String> properties) {
        Map<String, String> masked = new TreeMap<>();
        properties.forEach((name, value) -> masked.put(name, isSecretKafkaProperty(name) ? mask(value) : value));
        return masked;
    }

    private static boolean isPassword(ConfigDef definitions, String name) {
        ConfigDef.ConfigKey key = definitions.configKeys().get(name);
        return key != null && key.type == ConfigDef.Type.PASSWORD;
    }
}
