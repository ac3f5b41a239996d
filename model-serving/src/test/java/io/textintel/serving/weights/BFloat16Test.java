package io.textintel.serving.weights;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Exact bfloat16 conversion; tolerance 0 (conversion is exact by construction). */
class BFloat16Test {

    private static float bits(int value) {
        return Float.intBitsToFloat(value);
    }

    @Test
    void widensByShifting() {
        assertThat(BFloat16.toFloat((short) 0x3F80)).isEqualTo(1.0f);
        assertThat(BFloat16.toFloat((short) 0xC040)).isEqualTo(-3.0f);
        assertThat(BFloat16.toFloat((short) 0x7F80)).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(BFloat16.toFloat((short) 0x0001)).isEqualTo(bits(0x0001_0000)); // subnormal
        assertThat(BFloat16.toFloat((short) 0x7FC0)).isNaN();
    }

    @Test
    void narrowsWithRoundToNearestEven() {
        assertThat(BFloat16.fromFloat(1.0f)).isEqualTo((short) 0x3F80);
        assertThat(BFloat16.fromFloat(bits(0x3F80_8000))).isEqualTo((short) 0x3F80); // tie -> even
        assertThat(BFloat16.fromFloat(bits(0x3F81_8000))).isEqualTo((short) 0x3F82); // tie -> even
        assertThat(BFloat16.fromFloat(bits(0x3F80_8001))).isEqualTo((short) 0x3F81);
        assertThat(BFloat16.fromFloat(bits(0x3F80_7FFF))).isEqualTo((short) 0x3F80);
        assertThat(BFloat16.fromFloat(Float.MAX_VALUE)).isEqualTo((short) 0x7F80); // overflows to inf, as torch
        assertThat(BFloat16.fromFloat(bits(0x0001_16C2))).isEqualTo((short) 0x0001); // subnormal
        assertThat(BFloat16.fromFloat(-0.0f)).isEqualTo((short) 0x8000);
    }

    @Test
    void keepsNaNQuiet() {
        assertThat(BFloat16.fromFloat(Float.NaN)).isEqualTo((short) 0x7FC0);
        // a signalling NaN whose payload sits only in the low bits must not become infinity
        assertThat(BFloat16.toFloat(BFloat16.fromFloat(bits(0x7F80_0001)))).isNaN();
    }

    @Test
    void everyPatternRoundTrips() {
        for (int pattern = 0; pattern < 1 << 16; pattern++) {
            float widened = BFloat16.toFloat((short) pattern);
            if (Float.isNaN(widened)) {
                assertThat(BFloat16.toFloat(BFloat16.fromFloat(widened))).isNaN();
            } else {
                assertThat(BFloat16.fromFloat(widened) & 0xFFFF).as("pattern %04x", pattern).isEqualTo(pattern);
            }
        }
    }
}
