package io.textintel.serving.backend.cuda;

/**
 * Launches the kernels of one family on a stream: the seam between the launchers, which check
 * shapes and choose grids, and the driver. Tests put a recorder here to check the launchers
 * without a GPU.
 */
interface KernelLauncher {

    /**
     * Launches {@code kernel} and checks that the launch was accepted.
     *
     * @param args the kernel's parameters in order: a {@link jcuda.Pointer} (device pointer) or
     *     {@code null} (a null device pointer) for a pointer parameter, {@link Integer} for
     *     {@code int}, {@link Long} for {@code long long}, {@link Float} for {@code float}, {@link Double} for
     *     {@code double}
     */
    void launch(String kernel, Dim3 grid, Dim3 block, int sharedBytes, Object... args);

    /**
     * Lets {@code kernel} take up to {@code sharedBytes} of dynamic shared memory
     * ({@code CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES}): launches above 48 KiB fail without it.
     */
    void allowSharedBytes(String kernel, int sharedBytes);

    /** Sets every byte of {@code tensor} to zero, in stream order. */
    void zero(DeviceTensor tensor);

    /** A grid or block size. */
    record Dim3(int x, int y, int z) {
        public Dim3 {
            if (x < 1 || y < 1 || z < 1) {
                throw new IllegalArgumentException("launch dimensions (" + x + ", " + y + ", " + z
                        + ") must all be >= 1");
            }
        }

        static Dim3 of(int x) {
            return new Dim3(x, 1, 1);
        }
    }
}
