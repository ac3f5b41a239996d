package io.textintel.benchmarks;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What this machine is doing besides the benchmark, and what the benchmark's own process uses:
 * the load average, the process's CPU time, its resident set and its heap. Linux only
 * ({@code /proc}); elsewhere the figures read as unknown.
 */
final class MachineLoad {

    private MachineLoad() {}

    /** The 1, 5 and 15 minute load averages as {@code /proc/loadavg} has them, or "unknown". */
    static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return fields[0] + " " + fields[1] + " " + fields[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** The 1-minute load average, or NaN when unknown. */
    static double loadAverage1() {
        String load = loadAverage();
        return load.equals("unknown") ? Double.NaN : Double.parseDouble(load.split(" ")[0]);
    }

    /** CPU seconds this process has used, all its threads together. */
    static double processCpuSeconds() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime() / 1e9;
    }

    /** This process's resident set in bytes ({@code VmRSS}), or -1 when unknown. */
    static long residentBytes() {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/self/status"));
            for (String line : lines) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return -1;
    }

    /** Heap in use after a full collection was asked for. */
    static long heapUsedAfterGc() {
        System.gc();
        Runtime runtime = Runtime.getRuntime();
        return runtime.totalMemory() - runtime.freeMemory();
    }
}
