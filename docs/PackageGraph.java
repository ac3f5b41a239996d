import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;

/**
 * Prints the package dependency graph of compiled classes, as jdeps sees it, and marks its cycles.
 *
 * <pre>
 * java docs/PackageGraph.java [--dot] [--fail-on-cycles] [CLASSES_DIR] [PACKAGE_PREFIX]
 * </pre>
 *
 * <p>Defaults: {@code model-serving/target/classes} and {@code io.textintel.serving}. Only edges between
 * packages under the prefix are shown. A cycle is a strongly connected component of more than one
 * package; for every edge inside one, the class references that make it are listed. With {@code --dot}
 * the graph is printed in Graphviz DOT instead, cycle edges in red. With {@code --fail-on-cycles} the
 * exit status is 1 when there is a cycle: the build of model-serving and operators runs it so.
 */
public class PackageGraph {

    private static final Pattern CLASS_EDGE = Pattern.compile("^\\s+(\\S+)\\s+->\\s+(\\S+)\\s.*$");

    public static void main(String[] args) {
        boolean dot = false;
        boolean failOnCycles = false;
        List<String> positional = new ArrayList<>();
        for (String arg : args) {
            if (arg.equals("--dot")) {
                dot = true;
            } else if (arg.equals("--fail-on-cycles")) {
                failOnCycles = true;
            } else if (arg.startsWith("-")) {
                fail("unknown option '" + arg + "', expected --dot or --fail-on-cycles");
            } else {
                positional.add(arg);
            }
        }
        if (positional.size() > 2) {
            fail("expected at most two arguments (CLASSES_DIR PACKAGE_PREFIX), got " + positional.size());
        }
        Path classes = Path.of(positional.isEmpty() ? "model-serving/target/classes" : positional.get(0));
        String prefix = positional.size() < 2 ? "io.textintel.serving" : positional.get(1);
        if (!Files.isDirectory(classes)) {
            fail("classes directory " + classes.toAbsolutePath() + " does not exist; compile first, e.g. "
                    + "./mvnw -B -o -pl model-serving compile");
        }

        SortedMap<String, SortedMap<String, SortedSet<String>>> graph = packageGraph(runJdeps(classes), prefix);
        if (graph.isEmpty()) {
            fail("no classes under package " + prefix + " in " + classes.toAbsolutePath());
        }
        Map<String, Integer> component = stronglyConnectedComponents(graph);
        if (dot) {
            printDot(graph, component, prefix);
        } else {
            printText(graph, component, prefix, classes);
        }
        if (failOnCycles && component.values().stream().distinct().count() < component.size()) {
            System.err.println("Package cycles under " + prefix + " in " + classes + ": see the listing above");
            System.exit(1);
        }
    }

    private static String runJdeps(Path classes) {
        ToolProvider jdeps = ToolProvider.findFirst("jdeps")
                .orElseThrow(() -> new IllegalStateException("this JDK has no jdeps tool; run with a full JDK 17+"));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = jdeps.run(new PrintWriter(out), new PrintWriter(err),
                "-verbose:class", "-filter:none", classes.toString());
        if (rc != 0) {
            fail("jdeps exited with " + rc + ": " + err);
        }
        return out.toString();
    }

    /** package -> package it depends on -> "Class -> Class" references that make the edge. */
    private static SortedMap<String, SortedMap<String, SortedSet<String>>> packageGraph(String jdepsOutput,
            String prefix) {
        SortedMap<String, SortedMap<String, SortedSet<String>>> graph = new TreeMap<>();
        for (String line : jdepsOutput.split("\n")) {
            Matcher m = CLASS_EDGE.matcher(line);
            if (!m.matches()) {
                continue;
            }
            String from = topLevel(m.group(1));
            String to = topLevel(m.group(2));
            if (!inPrefix(from, prefix)) {
                continue;
            }
            SortedMap<String, SortedSet<String>> deps = graph.computeIfAbsent(packageOf(from), p -> new TreeMap<>());
            if (!inPrefix(to, prefix) || packageOf(from).equals(packageOf(to))) {
                continue;
            }
            deps.computeIfAbsent(packageOf(to), p -> new TreeSet<>()).add(simple(from) + " -> " + simple(to));
        }
        return graph;
    }

    /** Tarjan's algorithm; maps every package to the index of its component. */
    private static Map<String, Integer> stronglyConnectedComponents(
            SortedMap<String, SortedMap<String, SortedSet<String>>> graph) {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Map<String, Integer> component = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        int[] counters = {0, 0}; // next index, next component
        for (String p : graph.keySet()) {
            if (!index.containsKey(p)) {
                connect(p, graph, index, low, component, stack, counters);
            }
        }
        return component;
    }

    private static void connect(String p, SortedMap<String, SortedMap<String, SortedSet<String>>> graph,
            Map<String, Integer> index, Map<String, Integer> low, Map<String, Integer> component,
            Deque<String> stack, int[] counters) {
        index.put(p, counters[0]);
        low.put(p, counters[0]);
        counters[0]++;
        stack.push(p);
        for (String q : graph.getOrDefault(p, new TreeMap<>()).keySet()) {
            if (!index.containsKey(q)) {
                connect(q, graph, index, low, component, stack, counters);
                low.put(p, Math.min(low.get(p), low.get(q)));
            } else if (stack.contains(q)) {
                low.put(p, Math.min(low.get(p), index.get(q)));
            }
        }
        if (low.get(p).equals(index.get(p))) {
            String q;
            do {
                q = stack.pop();
                component.put(q, counters[1]);
            } while (!q.equals(p));
            counters[1]++;
        }
    }

    private static void printText(SortedMap<String, SortedMap<String, SortedSet<String>>> graph,
            Map<String, Integer> component, String prefix, Path classes) {
        System.out.println("Package dependencies under " + prefix + " in " + classes
                + " (jdeps -verbose:class; * = edge inside a cycle)");
        System.out.println();
        for (var e : graph.entrySet()) {
            List<String> deps = new ArrayList<>();
            for (String to : e.getValue().keySet()) {
                boolean cyclic = component.get(to).equals(component.get(e.getKey()));
                deps.add(shortName(to, prefix) + (cyclic ? "*" : ""));
            }
            System.out.printf("%-16s -> %s%n", shortName(e.getKey(), prefix),
                    deps.isEmpty() ? "(none)" : String.join(", ", deps));
        }
        SortedMap<Integer, SortedSet<String>> members = new TreeMap<>();
        component.forEach((p, c) -> members.computeIfAbsent(c, k -> new TreeSet<>()).add(p));
        boolean any = false;
        for (SortedSet<String> cycle : members.values()) {
            if (cycle.size() < 2) {
                continue;
            }
            any = true;
            System.out.println();
            List<String> names = cycle.stream().map(p -> shortName(p, prefix)).toList();
            System.out.println("Cycle: " + String.join(", ", names));
            for (String from : cycle) {
                for (var dep : graph.get(from).entrySet()) {
                    if (cycle.contains(dep.getKey())) {
                        System.out.println("  " + shortName(from, prefix) + " -> " + shortName(dep.getKey(), prefix)
                                + ":");
                        printReferences(dep.getValue());
                    }
                }
            }
        }
        if (!any) {
            System.out.println();
            System.out.println("No cycles.");
        }
    }

    /** "A -> B" references grouped by their source class, one line per source: "    A -> B, C". */
    private static void printReferences(SortedSet<String> references) {
        SortedMap<String, List<String>> bySource = new TreeMap<>();
        for (String reference : references) {
            String[] ends = reference.split(" -> ");
            bySource.computeIfAbsent(ends[0], k -> new ArrayList<>()).add(ends[1]);
        }
        bySource.forEach((source, targets) ->
                System.out.println("      " + source + " -> " + String.join(", ", targets)));
    }

    private static void printDot(SortedMap<String, SortedMap<String, SortedSet<String>>> graph,
            Map<String, Integer> component, String prefix) {
        System.out.println("digraph packages {");
        System.out.println("  rankdir=LR; node [shape=box];");
        for (var e : graph.entrySet()) {
            System.out.println("  \"" + shortName(e.getKey(), prefix) + "\";");
            for (String to : e.getValue().keySet()) {
                boolean cyclic = component.get(to).equals(component.get(e.getKey()));
                System.out.println("  \"" + shortName(e.getKey(), prefix) + "\" -> \"" + shortName(to, prefix) + "\""
                        + (cyclic ? " [color=red]" : "") + ";");
            }
        }
        System.out.println("}");
    }

    private static boolean inPrefix(String className, String prefix) {
        return className.startsWith(prefix + ".");
    }

    private static String topLevel(String className) {
        int dollar = className.indexOf('$');
        return dollar < 0 ? className : className.substring(0, dollar);
    }

    private static String packageOf(String className) {
        return className.substring(0, className.lastIndexOf('.'));
    }

    private static String simple(String className) {
        return className.substring(className.lastIndexOf('.') + 1);
    }

    private static String shortName(String pkg, String prefix) {
        return pkg.equals(prefix) ? "(root)" : pkg.substring(prefix.length() + 1);
    }

    private static void fail(String message) {
        System.err.println("PackageGraph: " + message);
        System.exit(2);
    }
}
