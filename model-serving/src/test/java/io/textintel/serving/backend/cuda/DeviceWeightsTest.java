package io.textintel.serving.backend.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class DeviceWeightsTest {

    private final List<String> freed = new ArrayList<>();
    private final AtomicInteger uploads = new AtomicInteger();
    private final DeviceWeights<String> weights = new DeviceWeights<>(freed::add);

    private DeviceWeights.Key key(int device, float... values) {
        return new DeviceWeights.Key(device, WeightFingerprint.of("bf16", values, values.length));
    }

    private String upload(String name) {
        uploads.incrementAndGet();
        return name;
    }

    @Test
    void twoEnginesLoadingTheSameWeightsShareOneUpload() {
        DeviceWeights.Lease<String> first = weights.acquire(key(0, 1f, 2f, 3f), 6, () -> upload("a"));
        DeviceWeights.Lease<String> second = weights.acquire(key(0, 1f, 2f, 3f), 6, () -> upload("b"));
        assertThat(uploads).hasValue(1);
        assertThat(second.pointer()).isEqualTo("a");
        assertThat(weights.residentEntries()).isEqualTo(1);
        assertThat(weights.residentBytes()).isEqualTo(6);

        first.close();
        first.close(); // idempotent: does not release the other holder's reference
        assertThat(freed).isEmpty();
        second.close();
        assertThat(freed).containsExactly("a");
        assertThat(weights.residentEntries()).isZero();
        assertThatThrownBy(second::pointer).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void otherContentOrAnotherDeviceIsAnotherEntry() {
        DeviceWeights.Lease<String> a = weights.acquire(key(0, 1f, 2f), 4, () -> upload("a"));
        DeviceWeights.Lease<String> b = weights.acquire(key(0, 1f, 2.0001f), 4, () -> upload("b"));
        DeviceWeights.Lease<String> c = weights.acquire(key(1, 1f, 2f), 4, () -> upload("c"));
        assertThat(uploads).hasValue(3);
        a.close();
        b.close();
        c.close();
        assertThat(freed).containsExactlyInAnyOrder("a", "b", "c");
    }

    @Test
    void aFailedUploadLeavesNothingBehind() {
        assertThatThrownBy(() -> weights.acquire(key(0, 5f), 2, () -> {
            throw new IllegalStateException("upload failed");
        })).hasMessage("upload failed");
        assertThat(weights.residentEntries()).isZero();
        DeviceWeights.Lease<String> retry = weights.acquire(key(0, 5f), 2, () -> upload("retry"));
        assertThat(retry.pointer()).isEqualTo("retry");
        retry.close();
        assertThat(freed).containsExactly("retry");
    }

    @Test
    void fingerprintsDependOnContentShapeAndForm() {
        float[] values = {0.5f, -1f, 3f, 4f};
        assertThat(WeightFingerprint.of("bf16", values, 2, 2)).isEqualTo(WeightFingerprint.of("bf16",
                values.clone(), 2, 2));
        assertThat(WeightFingerprint.of("bf16", values, 2, 2)).isNotEqualTo(WeightFingerprint.of("bf16", values, 4, 1));
        assertThat(WeightFingerprint.of("bf16", values, 2, 2)).isNotEqualTo(WeightFingerprint.of("f32", values, 2, 2));
        float[] swapped = {-1f, 0.5f, 3f, 4f};
        assertThat(WeightFingerprint.of("bf16", values, 2, 2)).isNotEqualTo(WeightFingerprint.of("bf16", swapped, 2, 2));
        // only the covered elements count
        assertThat(WeightFingerprint.of("f32", new float[] {1f, 2f, 9f}, 2))
                .isEqualTo(WeightFingerprint.of("f32", new float[] {1f, 2f, 7f}, 2));
    }
}
