package io.textintel.serving.weights;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Exact binary16 conversion: reference values from IEEE 754, tolerance 0 (conversion is exact). */
class Float16Test {

    @Test
    void widensReferencePatternsExactly() {
        assertThat(Float16.toFloat((short) 0x0000)).isEqualTo(0.0f);
        assertThat(Float.floatToRawIntBits(Float16.toFloat((short) 0x8000))).isEqualTo(0x8000_0000);
        assertThat(Float16.toFloat((short) 0x3C00)).isEqualTo(1.0f);
        assertThat(Float16.toFloat((short) 0xC000)).isEqualTo(-2.0f);
        assertThat(Float16.toFloat((short) 0x3555)).isEqualTo(0.333251953125f);
        assertThat(Float16.toFloat((short) 0x3BFF)).isEqualTo(0.99951171875f);
        assertThat(Float16.toFloat((short) 0x7BFF)).isEqualTo(65504.0f);
        assertThat(Float16.toFloat((short) 0x0400)).isEqualTo(0x1p-14f);
        assertThat(Float16.toFloat((short) 0x0001)).isEqualTo(0x1p-24f);
        assertThat(Float16.toFloat((short) 0x03FF)).isEqualTo(1023 * 0x1p-24f);
        assertThat(Float16.toFloat((short) 0x8001)).isEqualTo(-0x1p-24f);
        assertThat(Float16.toFloat((short) 0x7C00)).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(Float16.toFloat((short) 0xFC00)).isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(Float16.toFloat((short) 0x7E00)).isNaN();
        assertThat(Float16.toFloat((short) 0x7C01)).isNaN();
    }

    @Test
    void narrowsWithRoundToNearestEven() {
        assertThat(Float16.fromFloat(1.0f)).isEqualTo((short) 0x3C00);
        assertThat(Float16.fromFloat(-2.0f)).isEqualTo((short) 0xC000);
        assertThat(Float16.fromFloat(1f / 3f)).isEqualTo((short) 0x3555);
        // 1 + 2^-11 lies halfway between 0x3C00 and 0x3C01: ties go to the even 0x3C00
        assertThat(Float16.fromFloat(1f + 0x1p-11f)).isEqualTo((short) 0x3C00);
        // 1 + 3 * 2^-11 lies halfway between 0x3C01 and 0x3C02: ties go to the even 0x3C02
        assertThat(Float16.fromFloat(1f + 3 * 0x1p-11f)).isEqualTo((short) 0x3C02);
        // just above the halfway point rounds up
        assertThat(Float16.fromFloat(Math.nextUp(1f + 0x1p-11f))).isEqualTo((short) 0x3C01);
        assertThat(Float.floatToRawIntBits(Float16.toFloat(Float16.fromFloat(-0.0f)))).isEqualTo(0x8000_0000);
    }

    @Test
    void narrowsOverflowToInfinity() {
        assertThat(Float16.fromFloat(65504f)).isEqualTo((short) 0x7BFF);
        assertThat(Float16.fromFloat(65519.996f)).isEqualTo((short) 0x7BFF);
        assertThat(Float16.fromFloat(65520f)).isEqualTo((short) 0x7C00);
        assertThat(Float16.fromFloat(1e6f)).isEqualTo((short) 0x7C00);
        assertThat(Float16.fromFloat(-1e6f)).isEqualTo((short) 0xFC00);
        assertThat(Float16.fromFloat(Float.POSITIVE_INFINITY)).isEqualTo((short) 0x7C00);
    }

    @Test
    void narrowsSubnormalsAndUnderflow() {
        assertThat(Float16.fromFloat(0x1p-24f)).isEqualTo((short) 0x0001);
        assertThat(Float16.fromFloat(0x1p-25f)).isEqualTo((short) 0x0000); // tie to even zero
        assertThat(Float16.fromFloat(Math.nextUp(0x1p-25f))).isEqualTo((short) 0x0001);
        assertThat(Float16.fromFloat(3 * 0x1p-25f)).isEqualTo((short) 0x0002); // tie 1.5 -> 2
        assertThat(Float16.fromFloat(1023.5f * 0x1p-24f)).isEqualTo((short) 0x0400); // rounds into the normals
        assertThat(Float16.fromFloat(1e-10f)).isEqualTo((short) 0x0000);
        assertThat(Float16.fromFloat(-1e-10f)).isEqualTo((short) 0x8000);
        assertThat(Float16.fromFloat(0x1p-14f)).isEqualTo((short) 0x0400);
    }

    @Test
    void keepsNaN() {
        assertThat(Float16.toFloat(Float16.fromFloat(Float.NaN))).isNaN();
        assertThat(Float16.fromFloat(Float.NaN) & 0x7C00).isEqualTo(0x7C00);
    }

    @Test
    void everyPatternRoundTrips() {
        for (int bits = 0; bits < 1 << 16; bits++) {
            float widened = Float16.toFloat((short) bits);
            if (Float.isNaN(widened)) {
                assertThat(Float16.toFloat(Float16.fromFloat(widened))).isNaN();
            } else {
                assertThat(Float16.fromFloat(widened) & 0xFFFF).as("pattern %04x", bits).isEqualTo(bits);
            }
        }
    }
}
