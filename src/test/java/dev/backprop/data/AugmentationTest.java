package dev.backprop.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import dev.backprop.UserError;
import org.junit.jupiter.api.Test;

class AugmentationTest {
  @Test
  void defaultIsRotationWithinSevenDegreesOnly() {
    double min = 0;
    double max = 0;
    for (int i = 0; i < 5000; i++) {
      Augmentation.Params p = Augmentation.DEFAULT.sample(1, 0, i, 28, 28);
      assertThat(p.degrees()).isBetween(-7.0, 7.0);
      assertThat(p.tx()).isZero();
      assertThat(p.ty()).isZero();
      assertThat(p.scale()).isEqualTo(1.0);
      min = Math.min(min, p.degrees());
      max = Math.max(max, p.degrees());
    }
    assertThat(min).isLessThan(-6.9); // uniform over the whole range
    assertThat(max).isGreaterThan(6.9);
  }

  @Test
  void affineDrawsWholePixelShiftsAndScalesInRange() {
    Augmentation affine = Augmentation.rotation(10).withTranslate(0.1).withScale(0.9, 1.1);
    Set<Double> shifts = new HashSet<>();
    for (int i = 0; i < 2000; i++) {
      Augmentation.Params p = affine.sample(5, 2, i, 28, 28);
      assertThat(p.degrees()).isBetween(-10.0, 10.0);
      assertThat(p.tx()).isBetween(-3.0, 3.0).isEqualTo(Math.rint(p.tx())); // 0.1 * 28 = 2.8 pixels, rounded
      assertThat(p.ty()).isBetween(-3.0, 3.0).isEqualTo(Math.rint(p.ty()));
      assertThat(p.scale()).isBetween(0.9, 1.1);
      shifts.add(p.tx());
    }
    assertThat(shifts).containsExactlyInAnyOrder(-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0);
  }

  @Test
  void parametersDependOnlyOnSeedEpochAndIndex() {
    Augmentation a = Augmentation.DEFAULT;
    assertThat(a.sample(1, 2, 3, 28, 28)).isEqualTo(a.sample(1, 2, 3, 28, 28));
    assertThat(a.sample(1, 2, 3, 28, 28)).isNotEqualTo(a.sample(1, 2, 4, 28, 28));
    assertThat(a.sample(1, 2, 3, 28, 28)).isNotEqualTo(a.sample(1, 3, 3, 28, 28));
    assertThat(a.sample(1, 2, 3, 28, 28)).isNotEqualTo(a.sample(2, 2, 3, 28, 28));
  }

  @Test
  void noneIsPlainNormalisation() {
    MnistSet set = SyntheticMnist.set(MnistSet.Split.TRAIN, 3, 1);
    float[] out = new float[784];
    Augmentation.NONE.apply(set, 9, 9, 2, out, 0);
    for (int i = 0; i < 784; i++) {
      assertThat(out[i]).isEqualTo(Normalization.of(set.pixels()[2 * 784 + i]));
    }
    assertThat(Augmentation.NONE.isIdentity()).isTrue();
    assertThat(Augmentation.DEFAULT.isIdentity()).isFalse();
  }

  @Test
  void augmentedPixelsAreNormalisedWithBlackBackground() {
    MnistSet set = SyntheticMnist.set(MnistSet.Split.TRAIN, 3, 1);
    float[] out = new float[784];
    Augmentation.rotation(45).apply(set, 1, 0, 0, out, 0);
    assertThat(out[0]).isEqualTo(Normalization.black()); // the corner comes from outside the image
    for (float v : out) {
      assertThat(v).isBetween(Normalization.black(), Normalization.of((byte) 255));
    }
  }

  @Test
  void invalidRangesAreUserErrors() {
    assertThatThrownBy(() -> Augmentation.rotation(-1)).isInstanceOf(UserError.class);
    assertThatThrownBy(() -> Augmentation.rotation(200)).isInstanceOf(UserError.class);
    assertThatThrownBy(() -> Augmentation.NONE.withTranslate(1.5)).isInstanceOf(UserError.class);
    assertThatThrownBy(() -> Augmentation.NONE.withScale(1.2, 1.1)).isInstanceOf(UserError.class);
    assertThatThrownBy(() -> Augmentation.NONE.withScale(0, 1)).isInstanceOf(UserError.class);
  }
}
