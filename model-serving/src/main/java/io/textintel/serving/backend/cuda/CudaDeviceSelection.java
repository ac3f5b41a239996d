package io.textintel.serving.backend.cuda;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns the configured GPU index into a CUDA device ordinal.
 *
 * <p>The index is the one Flink's external-resource framework hands a TaskManager: with the GPU
 * plugin ({@code external-resources: gpu}, {@code external-resource.gpu.driver-factory.class:
 * org.apache.flink.externalresource.gpu.GPUDriverFactory}), an operator reads
 * {@code getRuntimeContext().getExternalResourceInfos("gpu")} and passes the {@code index}
 * property of its GPU into {@code EngineConfig.gpuIndex}. That index numbers the GPUs as
 * {@code nvidia-smi} does, which is CUDA's numbering unless {@code CUDA_VISIBLE_DEVICES} narrows
 * or reorders the devices the process sees; then the ordinal is the index's position in that list.
 * A negative index means "the first visible device" (ordinal 0).
 */
public final class CudaDeviceSelection {

    private CudaDeviceSelection() {}

    /** The ordinal for {@code gpuIndex} in this process, whose environment gives {@code CUDA_VISIBLE_DEVICES}. */
    public static int ordinal(int gpuIndex, int deviceCount) {
        return ordinal(gpuIndex, System.getenv("CUDA_VISIBLE_DEVICES"), deviceCount);
    }

    /**
     * The ordinal for {@code gpuIndex}.
     *
     * @param gpuIndex the GPU's index as {@code nvidia-smi} numbers it, or negative for the first visible device
     * @param cudaVisibleDevices the value of {@code CUDA_VISIBLE_DEVICES}, or {@code null} when unset; a
     *     list of indices is mapped, a list naming devices by UUID ({@code GPU-...}) is not, and the
     *     index is then taken as the ordinal
     * @param deviceCount the devices the driver reports
     * @throws IllegalArgumentException naming the index and what was expected, when it selects no device
     */
    public static int ordinal(int gpuIndex, String cudaVisibleDevices, int deviceCount) {
        int ordinal = gpuIndex < 0 ? 0 : gpuIndex;
        List<Integer> visible = visibleIndices(cudaVisibleDevices);
        if (gpuIndex >= 0 && visible != null) {
            ordinal = visible.indexOf(gpuIndex);
            if (ordinal < 0) {
                throw new IllegalArgumentException("GPU index " + gpuIndex + " is not among CUDA_VISIBLE_DEVICES="
                        + cudaVisibleDevices + ", expected one of " + visible);
            }
        }
        if (ordinal >= deviceCount) {
            throw new IllegalArgumentException("CUDA device ordinal " + ordinal + " (GPU index " + gpuIndex
                    + ") is out of range, expected 0 <= ordinal < " + deviceCount + " devices");
        }
        return ordinal;
    }

    /** The indices {@code CUDA_VISIBLE_DEVICES} lists, or {@code null} if it is unset or names devices otherwise. */
    private static List<Integer> visibleIndices(String value) {
        if (value == null) {
            return null;
        }
        List<Integer> indices = new ArrayList<>();
        for (String part : value.split(",")) {
            String trimmed = part.trim();
            if (trimmed.isEmpty()) {
                continue;
            }
            try {
                indices.add(Integer.parseInt(trimmed));
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return indices;
    }
}
