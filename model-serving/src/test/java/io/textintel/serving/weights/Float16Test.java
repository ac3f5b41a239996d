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

    /**
     * Float32 inputs and the binary16 bits numpy ({@code float32.astype(float16)}) produced for them:
     * an independent reference covering normals, subnormals, overflow and ties. Tolerance 0.
     */
    @Test
    void narrowsLikeNumpy() {
        int[] floatBits = {0x3AA13D19, 0x3E98F52D, 0xBE8C5BCC, 0xBF63FDD4, 0xBEE8CA9C, 0xBF7DDC8C, 0x3D765923,
            0x3FAB8C2C, 0xBEFC027E, 0xBF1ED771, 0x3EFACC94, 0x3EB6B9E5, 0x3DD7E36D, 0xBF6E3327, 0xBCEFA185, 0x3F31FF64,
            0xBCDC3C72, 0xBC15F398, 0xBD1BBF88, 0xBCD34722, 0xBD16DFFC, 0xBB9A11BF, 0xBCCFA88F, 0x3BB1C69B, 0x4592F443,
            0xC5AF3F6D, 0xC7937765, 0xC67C8326, 0xC4B5E0E8, 0x45547450, 0xB4D02442, 0xB80350DF, 0xB87DE9B1, 0xB81FFACE,
            0x37C7BFD8, 0xB81BB66A, 0xB787B4E9, 0xB8810D67, 0x338DC122, 0xB3946868, 0xB347A174, 0x33A359F6, 0x3106905A,
            0x33951993, 0x477FEF00, 0x477FF000, 0x4788B800, 0xC77FE000, 0x3F802000, 0x3F801000, 0x3F803000, 0x33000000,
            0x33C00000, 0x33800000};
        int[] halfBits = {0x150A, 0x34C8, 0xB463, 0xBB20, 0xB746, 0xBBEF, 0x2BB3, 0x3D5C, 0xB7E0, 0xB8F7, 0x37D6,
            0x35B6, 0x2EBF, 0xBB72, 0xA77D, 0x3990, 0xA6E2, 0xA0B0, 0xA8DE, 0xA69A, 0xA8B7, 0x9CD1, 0xA67D, 0x1D8E,
            0x6C98, 0xED7A, 0xFC00, 0xF3E4, 0xE5AF, 0x6AA4, 0x8007, 0x820D, 0x83F8, 0x8280, 0x018F, 0x826F, 0x810F,
            0x8408, 0x0001, 0x8001, 0x8001, 0x0001, 0x0000, 0x0001, 0x7BFF, 0x7C00, 0x7C00, 0xFBFF, 0x3C01, 0x3C00,
            0x3C02, 0x0000, 0x0002, 0x0001};
        for (int i = 0; i < floatBits.length; i++) {
            float value = Float.intBitsToFloat(floatBits[i]);
            assertThat(Float16.fromFloat(value) & 0xFFFF).as("%s (0x%08X)", value, floatBits[i]).isEqualTo(halfBits[i]);
        }
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
