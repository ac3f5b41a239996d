package io.textintel.jobs.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The demo's sample input, shipped as resources: hand-written customer feedback of a fictional
 * delivery app as JSON lines, each with its topic label ({@code expected_topic}); the twelve labels,
 * separate labelled examples and descriptions of them; and lines a broken producer might send.
 */
public final class DemoData {

    private static final String FEEDBACK = "/demo/feedback.jsonl";
    private static final String TOPICS = "/demo/feedback-topics.txt";
    private static final String MALFORMED = "/demo/malformed.txt";

    private DemoData() {}

    /** One JSON object per feedback message. */
    public static List<String> feedback() throws IOException {
        return lines(FEEDBACK);
    }

    /** The sample's twelve topic labels. */
    public static List<String> topics() throws IOException {
        return lines(TOPICS);
    }

    /** Labelled examples of each topic for the few-shot head, written apart from the sample. */
    public static String examples() throws IOException {
        return resource("/demo/feedback-examples.jsonl");
    }

    /** Descriptions of each topic for zero-shot tags, as YAML: label to a list of sentences. */
    public static String topicDescriptions() throws IOException {
        return resource("/demo/topic-descriptions.yaml");
    }

    /**
     * Payloads that must each become a dead letter: the malformed lines, plus bytes that are not
     * UTF-8, which a text file cannot hold.
     */
    public static List<byte[]> malformed() throws IOException {
        List<byte[]> payloads = new ArrayList<>();
        for (String line : lines(MALFORMED)) {
            payloads.add(line.getBytes(StandardCharsets.UTF_8));
        }
        payloads.add(new byte[] {'{', '"', 'i', 'd', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'});
        return payloads;
    }

    /**
     * The drift phase's input: the first {@code count} feedback messages as a broken upstream producer
     * would send them — every letter mangled into characters of other scripts (seeded, so every run
     * sends the same bytes) — with new ids and event times every {@code spacing} from {@code start}.
     */
    public static List<String> garbled(int count, Instant start, Duration spacing, long seed) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<String> feedback = feedback();
        SplittableRandom random = new SplittableRandom(seed);
        List<String> lines = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            ObjectNode message = (ObjectNode) json.readTree(feedback.get(i % feedback.size()));
            message.put("id", String.format("fb-garbled-%05d", i + 1));
            message.put("text", mangle(message.get("text").asText(), random));
            message.put("event_time", start.plus(spacing.multipliedBy(i)).toString());
            message.remove("expected_topic");
            lines.add(json.writeValueAsString(message));
        }
        return lines;
    }

    /** Letters replaced by code points from blocks the feedback never uses; spaces and digits kept. */
    private static String mangle(String text, SplittableRandom random) {
        int[] blocks = {0x0400, 0x0530, 0x10A0, 0x2200, 0x25A0}; // Cyrillic, Armenian, Georgian, math, shapes
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().forEach(c -> {
            if (Character.isLetter(c)) {
                out.appendCodePoint(blocks[random.nextInt(blocks.length)] + random.nextInt(0x40));
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.toString();
    }

    /** A demo resource as text. */
    static String resource(String resource) throws IOException {
        try (InputStream in = DemoData.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("demo resource " + resource + " is missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static List<String> lines(String resource) throws IOException {
        InputStream in = DemoData.class.getResourceAsStream(resource);
        if (in == null) {
            throw new IOException("demo resource " + resource + " is missing from the classpath");
        }
        List<String> lines = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (!line.isBlank()) {
                    lines.add(line);
                }
            }
        }
        return lines;
    }
}
