package io.textintel.jobs.demo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The demo's sample input, shipped as resources: hand-written customer feedback of a fictional
 * delivery app as JSON lines, its twelve topic labels, and lines a broken producer might send.
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

    /** The topic labels the demo's tagger is generated with. */
    public static List<String> topics() throws IOException {
        return lines(TOPICS);
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
