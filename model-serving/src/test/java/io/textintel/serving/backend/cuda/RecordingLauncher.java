package io.textintel.serving.backend.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jcuda.Pointer;

/**
 * A {@link KernelLauncher} that records launches instead of running them, and checks each against
 * the kernel's entry in the committed PTX: the kernel exists, and every argument has the Java
 * type its parameter needs (a pointer or {@code Long} for {@code .u64}, {@code Integer} for
 * {@code .u32}, {@code Float} for {@code .f32}, {@code Double} for {@code .f64}), and dynamic shared
 * memory above 48 KiB only where the launcher opted the kernel in first. A wrong argument list is the mistake a launcher
 * can make that only a GPU would otherwise reveal, as garbage.
 */
final class RecordingLauncher implements KernelLauncher {

    record Launch(String kernel, Dim3 grid, Dim3 block, int sharedBytes, List<Object> args) {}

    private static final Pattern ENTRY = Pattern.compile("\\.entry\\s+(\\w+)\\(([^)]*)\\)");
    private static final Pattern PARAM = Pattern.compile("\\.param\\s+\\.(\\w+)");

    private final Map<String, List<String>> signatures = new HashMap<>();
    final List<Launch> launches = new ArrayList<>();
    final List<DeviceTensor> zeroed = new ArrayList<>();
    /** Kernels opted in to more dynamic shared memory, and how much. */
    final Map<String, Integer> sharedOptIns = new HashMap<>();

    RecordingLauncher(String family) {
        String ptx = new String(CudaModule.ptx(family), StandardCharsets.US_ASCII);
        Matcher entry = ENTRY.matcher(ptx);
        while (entry.find()) {
            List<String> types = new ArrayList<>();
            Matcher param = PARAM.matcher(entry.group(2));
            while (param.find()) {
                types.add(param.group(1));
            }
            signatures.put(entry.group(1), types);
        }
    }

    @Override
    public void launch(String kernel, Dim3 grid, Dim3 block, int sharedBytes, Object... args) {
        assertThat(signatures).as("kernels in the PTX").containsKey(kernel);
        List<String> types = signatures.get(kernel);
        assertThat(args).as("arguments of %s", kernel).hasSize(types.size());
        for (int i = 0; i < args.length; i++) {
            String type = types.get(i);
            Object arg = args[i];
            switch (type) {
                case "u64":
                    assertThat(arg == null || arg instanceof Pointer || arg instanceof Long)
                            .as("argument %s of %s is %s, expected a pointer or Long for .u64", i, kernel, arg).isTrue();
                    break;
                case "u32":
                case "s32":
                    assertThat(arg).as("argument %s of %s, .%s", i, kernel, type).isInstanceOf(Integer.class);
                    break;
                case "f32":
                    assertThat(arg).as("argument %s of %s, .f32", i, kernel).isInstanceOf(Float.class);
                    break;
                case "f64":
                    assertThat(arg).as("argument %s of %s, .f64", i, kernel).isInstanceOf(Double.class);
                    break;
                default:
                    throw new AssertionError("parameter type ." + type + " of " + kernel + " is not handled");
            }
        }
        assertThat(block.x() * block.y() * block.z()).isLessThanOrEqualTo(1024);
        assertThat(sharedBytes).as("dynamic shared memory of %s (opted in to %s)", kernel, sharedOptIns.get(kernel))
                .isLessThanOrEqualTo(Math.max(48 * 1024, sharedOptIns.getOrDefault(kernel, 0)));
        launches.add(new Launch(kernel, grid, block, sharedBytes, List.of(nullsAsMarkers(args))));
    }

    @Override
    public void allowSharedBytes(String kernel, int sharedBytes) {
        assertThat(signatures).as("kernels in the PTX").containsKey(kernel);
        assertThat(sharedBytes).as("dynamic shared memory opt-in of %s (an H100/H200 block gets at most 227 KiB)",
                kernel).isBetween(48 * 1024 + 1, 227 * 1024);
        sharedOptIns.put(kernel, sharedBytes);
    }

    @Override
    public void zero(DeviceTensor tensor) {
        zeroed.add(tensor);
    }

    Launch only() {
        assertThat(launches).hasSize(1);
        return launches.get(0);
    }

    static final Object NULL_POINTER = "null";

    private static Object[] nullsAsMarkers(Object[] args) {
        Object[] copy = args.clone();
        for (int i = 0; i < copy.length; i++) {
            if (copy[i] == null) {
                copy[i] = NULL_POINTER;
            }
        }
        return copy;
    }
}
