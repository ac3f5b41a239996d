package io.textintel.deployment;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A Dockerfile read into its instructions: comments dropped, {@code \}-continued lines joined. Enough of the
 * Dockerfile reference for the checks (FROM with AS, COPY with --from and --chown, exec-form ENTRYPOINT/CMD);
 * no library on Maven Central parses Dockerfiles outside a Docker client.
 */
record Dockerfile(Path file, List<Instruction> instructions) {

    /** One instruction: its keyword in upper case and the rest of its (joined) line. */
    record Instruction(String keyword, String arguments, int line) {}

    static Dockerfile read(Path file) throws IOException {
        List<Instruction> instructions = new ArrayList<>();
        StringBuilder current = null;
        int start = 0;
        List<String> lines = Files.readAllLines(file);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (current == null && (line.isEmpty() || line.startsWith("#"))) {
                continue;
            }
            if (current != null && line.startsWith("#")) {
                continue;
            }
            if (current == null) {
                current = new StringBuilder();
                start = i + 1;
            }
            boolean continued = line.endsWith("\\");
            current.append(continued ? line.substring(0, line.length() - 1) : line).append(' ');
            if (!continued) {
                String text = current.toString().strip();
                int space = text.indexOf(' ');
                if (space < 0) {
                    throw new IllegalArgumentException(file + ":" + start + " has instruction '" + text
                            + "' without arguments");
                }
                instructions.add(new Instruction(text.substring(0, space).toUpperCase(Locale.ROOT),
                        text.substring(space + 1).strip(), start));
                current = null;
            }
        }
        if (current != null) {
            throw new IllegalArgumentException(file + " ends inside a continued line started at line " + start);
        }
        return new Dockerfile(file, List.copyOf(instructions));
    }

    List<Instruction> all(String keyword) {
        return instructions.stream().filter(i -> i.keyword().equals(keyword)).toList();
    }

    /** The last instruction of the final stage with this keyword, or null. */
    Instruction lastOfFinalStage(String keyword) {
        Instruction found = null;
        for (Instruction instruction : instructions) {
            if (instruction.keyword().equals("FROM")) {
                found = null;
            } else if (instruction.keyword().equals(keyword)) {
                found = instruction;
            }
        }
        return found;
    }

    /** The final stage's base image. */
    String finalBase() {
        List<Instruction> froms = all("FROM");
        return froms.get(froms.size() - 1).arguments().split("\\s+")[0];
    }
}
