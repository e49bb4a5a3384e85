package dev.backprop.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class NormalizationTest {
  @Test
  void blackAndWhiteHaveTheirWellKnownValues() {
    assertThat(Normalization.of((byte) 0)).isCloseTo(-0.4242129f, within(1e-6f));
    assertThat(Normalization.of((byte) 255)).isCloseTo(2.8214867f, within(1e-6f));
    assertThat(Normalization.black()).isEqualTo(Normalization.of((byte) 0));
  }

  @Test
  void tableMatchesFloat32FormulaOfTorchvisionBitForBit() {
    for (int p = 0; p < 256; p++) {
      float torch = ((float) p / 255f - 0.1307f) / 0.3081f; // ToTensor: div(255); Normalize: sub(mean).div(std)
      assertThat(Normalization.of((byte) p)).isEqualTo(torch);
      assertThat(Normalization.normalize((float) p)).isEqualTo(torch);
    }
  }

  @Test
  void normalisesARange() {
    byte[] src = {9, 0, (byte) 128, (byte) 255, 9};
    float[] dst = new float[5];

    Normalization.normalize(src, 1, dst, 2, 3);

    assertThat(dst).containsExactly(0, 0, Normalization.of((byte) 0), Normalization.of((byte) 128),
        Normalization.of((byte) 255));
  }
}
