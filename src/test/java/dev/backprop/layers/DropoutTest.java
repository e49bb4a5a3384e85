package dev.backprop.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import dev.backprop.tensor.Rng;
import dev.backprop.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Dropout semantics: identity in eval, inverted scaling, reproducible masks, keep rate, whole channels. */
class DropoutTest {

  private static Tensor ones(int... shape) {
    Tensor t = Tensor.zeros(shape);
    t.fill(1f);
    return t;
  }

  private static Tensor random(long seed, int... shape) {
    Tensor t = Tensor.zeros(shape);
    new Rng(seed).gaussian(t.data(), 0, 1);
    return t;
  }

  @Test
  void evalAndZeroProbabilityAreTheIdentityWithoutCopying() {
    Tensor x = random(1, 2, 3, 4, 4);
    Tensor g = random(2, 2, 3, 4, 4);
    for (AbstractDropout d : new AbstractDropout[] {new Dropout(0.5, new Rng(1)), new Dropout2d(0.5, new Rng(1))}) {
      assertThat(d.forward(x, false)).isSameAs(x);
      assertThat(d.backward(g)).isSameAs(g);
      assertThat(d.step()).as("eval does not advance the mask step").isZero();
    }
    Dropout zero = new Dropout(0.0, new Rng(1));
    assertThat(zero.forward(x, true)).isSameAs(x);
    assertThat(zero.backward(g)).isSameAs(g);
  }

  @Test
  void keptElementsAreScaledByOneOverOneMinusP() {
    double p = 0.3;
    Dropout d = new Dropout(p, new Rng(5));
    Tensor x = random(3, 4, 50);
    Tensor y = d.forward(x, true);
    Tensor mask = d.lastMask();
    assertThat(mask.shape()).containsExactly(4, 50);
    float scale = (float) (1 / (1 - p));
    Tensor g = random(4, 4, 50);
    Tensor dx = d.backward(g);
    for (int i = 0; i < x.size(); i++) {
      float m = mask.data()[i];
      assertThat(m).isIn(0f, 1f);
      assertThat(y.data()[i]).isEqualTo(x.data()[i] * (m * scale));
      assertThat(dx.data()[i]).isEqualTo(g.data()[i] * (m * scale));
    }
  }

  @Test
  void keepRateIsOneMinusPAndTheMeanIsPreserved() {
    for (double p : new double[] {0.05, 0.3, 0.8}) {
      Dropout d = new Dropout(p, new Rng(6));
      Tensor y = d.forward(ones(10, 20_000), true);
      double kept = 0;
      double sum = 0;
      for (int i = 0; i < y.size(); i++) {
        kept += d.lastMask().data()[i];
        sum += y.data()[i];
      }
      // binomial standard deviation √(p(1−p)/n) ≤ 0.0012 for n = 200 000
      assertThat(kept / y.size()).as("keep rate at p=%s", p).isCloseTo(1 - p, offset(0.006));
      assertThat(sum / y.size()).as("mean at p=%s", p).isCloseTo(1.0, offset(0.006 / (1 - p)));
    }
  }

  @Test
  void masksAreReproducibleFromTheSeedAndChangeEveryStep() {
    Dropout a = new Dropout(0.5, new Rng(42));
    Dropout b = new Dropout(0.5, new Rng(42));
    Tensor x = random(7, 3, 100);
    float[] first = null;
    for (int step = 0; step < 3; step++) {
      float[] ma = a.forward(x, true).data().clone();
      float[] mb = b.forward(x, true).data().clone();
      assertThat(ma).as("same seed, step %d", step).isEqualTo(mb);
      if (first == null) {
        first = ma;
      } else {
        assertThat(ma).as("step %d differs from step 0", step).isNotEqualTo(first);
      }
    }
    assertThat(a.step()).isEqualTo(3);
    a.setStep(0);
    assertThat(a.forward(x, true).data()).as("replaying step 0").isEqualTo(first);
    assertThat(new Dropout(0.5, new Rng(43)).forward(x, true).data()).isNotEqualTo(first);
  }

  @Test
  void maskDependsOnlyOnSeedStepSampleAndElement() {
    // the same layer seed with batches of 8 and of 3: the first 3 samples get the same mask
    Dropout big = new Dropout(0.4, new Rng(9));
    Dropout small = new Dropout(0.4, new Rng(9));
    big.setStep(17);
    small.setStep(17);
    big.forward(ones(8, 2, 5, 5), true);
    small.forward(ones(3, 2, 5, 5), true);
    float[] bigMask = big.lastMask().data();
    float[] smallMask = small.lastMask().data();
    for (int i = 0; i < smallMask.length; i++) {
      assertThat(smallMask[i]).isEqualTo(bigMask[i]);
    }
    for (int s = 0; s < 8; s++) {
      for (int e = 0; e < 50; e++) {
        boolean kept = AbstractDropout.kept(big.seed(), 17, s, e, 0.4);
        assertThat(bigMask[s * 50 + e]).isEqualTo(kept ? 1f : 0f);
      }
    }
  }

  @Test
  void dropout2dDropsWholeChannels() {
    double p = 0.5;
    Dropout2d d = new Dropout2d(p, new Rng(10));
    Tensor x = random(11, 6, 40, 3, 4);
    Tensor y = d.forward(x, true);
    Tensor mask = d.lastMask();
    assertThat(mask.shape()).containsExactly(6, 40, 1, 1);
    int kept = 0;
    for (int plane = 0; plane < 6 * 40; plane++) {
      float m = mask.data()[plane];
      kept += (int) m;
      for (int i = plane * 12; i < (plane + 1) * 12; i++) {
        assertThat(y.data()[i]).isEqualTo(x.data()[i] * (m * 2f));
      }
    }
    assertThat(kept).as("kept channels of 240 at p=0.5").isBetween(90, 150);
    for (int s = 0; s < 6; s++) {
      for (int c = 0; c < 40; c++) {
        assertThat(mask.data()[s * 40 + c]).isEqualTo(AbstractDropout.kept(d.seed(), 0, s, c, p) ? 1f : 0f);
      }
    }
  }

  @Test
  void probabilityOneDropsEverythingAndBadProbabilitiesAreRejected() {
    Dropout d = new Dropout(1.0, new Rng(1));
    for (float v : d.forward(ones(2, 10), true).data()) {
      assertThat(v).isZero();
    }
    assertThatThrownBy(() -> new Dropout(-0.1, new Rng(1))).hasMessageContaining("between 0 and 1");
    assertThatThrownBy(() -> new Dropout2d(1.1, new Rng(1))).hasMessageContaining("between 0 and 1");
    assertThatThrownBy(() -> new Dropout(Double.NaN, new Rng(1))).hasMessageContaining("between 0 and 1");
  }
}
