package io.textintel.serving.backend.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import jcuda.driver.CUresult;
import org.junit.jupiter.api.Test;

class CudaAvailabilityTest {

    /** A driver whose answers the test sets. */
    private record FakeDriver(int init, int version, int count) implements CudaAvailability.Driver {
        @Override
        public int init() {
            return init;
        }

        @Override
        public int driverVersion(int[] out) {
            out[0] = version;
            return CUresult.CUDA_SUCCESS;
        }

        @Override
        public int deviceCount(int[] out) {
            out[0] = count;
            return CUresult.CUDA_SUCCESS;
        }
    }

    @Test
    void aMissingDriverLibraryIsAReasonNotACrash() {
        // the shape of JCuda's message when libcuda.so.1 is missing: two nested stack traces
        String message = "Error while loading native library \"JCudaDriver-12.6.0-linux-x86_64\"\n"
                + "Operating system name: Linux\n"
                + "java.lang.UnsatisfiedLinkError: no JCudaDriver-12.6.0-linux-x86_64 in java.library.path: /usr/lib\n"
                + "\tat java.base/java.lang.ClassLoader.loadLibrary(ClassLoader.java:2434)\n"
                + "java.lang.UnsatisfiedLinkError: /tmp/libJCudaDriver-12.6.0-linux-x86_64.so: libcuda.so.1: cannot"
                + " open shared object file: No such file or directory\n";
        FakeDriver present = new FakeDriver(0, 13000, 1);
        CudaAvailability availability = CudaAvailability.probe(new CudaAvailability.Driver() {
            @Override
            public int init() {
                throw new UnsatisfiedLinkError(message);
            }

            @Override
            public int driverVersion(int[] version) {
                return present.driverVersion(version);
            }

            @Override
            public int deviceCount(int[] count) {
                return present.deviceCount(count);
            }
        });
        assertThat(availability.available()).isFalse();
        assertThat(availability.reason()).isEqualTo("the CUDA driver library could not be loaded: libcuda.so.1: "
                + "cannot open shared object file: No such file or directory");
    }

    @Test
    void aFailingInitNoDeviceOrOldDriverIsAReason() {
        assertThat(CudaAvailability.probe(new FakeDriver(CUresult.CUDA_ERROR_NO_DEVICE, 13000, 0)).reason())
                .isEqualTo("cuInit(0) failed: CUDA_ERROR_NO_DEVICE");
        assertThat(CudaAvailability.probe(new FakeDriver(0, 13000, 0)).reason())
                .isEqualTo("the CUDA driver 13.0 reports no device");
        CudaAvailability old = CudaAvailability.probe(new FakeDriver(0, 12040, 2));
        assertThat(old.available()).isFalse();
        assertThat(old.reason()).isEqualTo("the CUDA driver supports CUDA 12.4, the kernels' PTX (ISA 9.0) needs 13.0"
                + " (driver r580) or newer");
    }

    @Test
    void aDeviceAndARecentDriverAreAvailable() {
        CudaAvailability availability = CudaAvailability.probe(new FakeDriver(0, 13000, 2));
        assertThat(availability.available()).isTrue();
        assertThat(availability.deviceCount()).isEqualTo(2);
        assertThat(availability.reason()).isEqualTo("2 CUDA device(s), driver CUDA 13.0");
    }

    @Test
    void thisMachinesProbeAnswersWithoutThrowing() {
        CudaAvailability availability = CudaAvailability.probe();
        assertThat(availability.reason()).isNotBlank();
        assertThat(availability.available()).isEqualTo(availability.deviceCount() > 0
                && availability.driverVersion() >= CudaAvailability.MIN_DRIVER_VERSION);
        assertThat(CudaAvailability.probe()).isSameAs(availability);
    }
}
