package io.textintel.jobs.demo;

import io.textintel.jobs.AvroTopic;
import io.textintel.schemas.DeadLetter;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Publishes the demo's input to Kafka and reads back the dead letters. */
final class DemoPublisher {

    /**
     * What was published.
     *
     * @param valid the feedback sample
     * @param malformed malformed records, all dead letters but {@link #REPAIRED}
     * @param garbled the drift phase: valid records whose text a broken producer mangled, after the sample
     */
    record Published(int valid, int malformed, int garbled) {

        /** Records the pipeline indexes. */
        int indexable() {
            return valid + REPAIRED + garbled;
        }
    }

    /**
     * Malformed records the pipeline repairs instead of rejecting: line 7 of {@code malformed.txt} has no id and
     * is indexed under one derived from its Kafka position.
     */
    static final int REPAIRED = 1;

    /** The drift phase starts the day after the sample's last message, one garbled message an hour. */
    static final Instant GARBLED_FROM = Instant.parse("2026-11-21T00:00:00Z");
    private static final int GARBLED = 120;

    private DemoPublisher() {}

    static Published publish(String bootstrap, String topic) throws Exception {
        List<String> feedback = DemoData.feedback();
        List<byte[]> malformed = DemoData.malformed();
        List<String> garbled = DemoData.garbled(GARBLED, GARBLED_FROM, Duration.ofMinutes(60), 7L);
        Map<String, Object> props = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 5);
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (String line : feedback) {
                producer.send(new ProducerRecord<>(topic, line.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            }
            for (byte[] payload : malformed) {
                producer.send(new ProducerRecord<>(topic, payload));
            }
            for (String line : garbled) {
                producer.send(new ProducerRecord<>(topic, line.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            }
            producer.flush();
        }
        return new Published(feedback.size(), malformed.size(), garbled.size());
    }

    /** Prints the dead letters on {@code topic}: how many per stage, and each reason. */
    static List<DeadLetter> showDeadLetters(String bootstrap, String topic, PrintStream out) throws IOException {
        List<DeadLetter> letters = AvroTopic.deadLetters(bootstrap, topic, Map.of(), Duration.ofSeconds(30));
        Map<String, Integer> byStage = new TreeMap<>();
        letters.forEach(l -> byStage.merge(l.getStage().name(), 1, Integer::sum));
        out.printf("%nDead letters on '%s': %d %s%n", topic, letters.size(), byStage);
        for (DeadLetter letter : letters) {
            String reason = letter.getReason();
            out.printf("  [%s] %s%n", letter.getStage(), reason.length() > 140 ? reason.substring(0, 137) + "..." : reason);
        }
        return letters;
    }
}
