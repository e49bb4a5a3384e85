package dev.backprop.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import dev.backprop.tensor.Rng;
import dev.backprop.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** PyTorch's default initialisation: U(±1/√fan_in) for conv and linear weights and biases. */
class InitTest {

  /** Values within ±bound, reaching close to both ends, with mean 0 and variance bound²/3. */
  private static void assertUniform(Tensor t, double bound) {
    double min = Double.MAX_VALUE;
    double max = -Double.MAX_VALUE;
    double sum = 0;
    double sum2 = 0;
    for (float v : t.data()) {
      min = Math.min(min, v);
      max = Math.max(max, v);
      sum += v;
      sum2 += (double) v * v;
    }
    int n = t.size();
    assertThat(min).isGreaterThanOrEqualTo(-bound).isLessThan(-0.9 * bound);
    assertThat(max).isLessThanOrEqualTo(bound).isGreaterThan(0.9 * bound);
    assertThat(sum / n).isCloseTo(0, offset(4 * bound / Math.sqrt(3 * n)));
    assertThat(sum2 / n).isCloseTo(bound * bound / 3, offset(0.1 * bound * bound / 3));
  }

  @Test
  void convUsesKaimingUniformWithASqrt5() {
    Conv2d conv = new Conv2d(16, 32, 3, 1, 0, true, new Rng(1));
    double bound = 1 / Math.sqrt(16 * 9);
    assertUniform(conv.weight().value(), bound);
    assertThat(conv.weight().value().shape()).containsExactly(32, 16, 3, 3);
    for (float b : conv.bias().value().data()) {
      assertThat((double) Math.abs(b)).isLessThanOrEqualTo(bound);
    }
  }

  @Test
  void linearUsesKaimingUniformWithASqrt5() {
    Linear linear = new Linear(200, 50, true, new Rng(2));
    double bound = 1 / Math.sqrt(200);
    assertUniform(linear.weight().value(), bound);
    assertThat(linear.weight().value().shape()).containsExactly(50, 200);
    for (float b : linear.bias().value().data()) {
      assertThat((double) Math.abs(b)).isLessThanOrEqualTo(bound);
    }
  }

  @Test
  void kaimingUniformGeneralGain() {
    Tensor w = Tensor.zeros(20_000);
    Init.kaimingUniform(w, 30, 0.0, new Rng(3)); // a = 0 (ReLU gain √2): bound √(6/30)
    assertUniform(w, Math.sqrt(6.0 / 30));
  }

  @Test
  void sameSeedSameWeights() {
    Conv2d a = new Conv2d(3, 4, 3, 1, 1, true, new Rng(4));
    Conv2d b = new Conv2d(3, 4, 3, 1, 1, true, new Rng(4));
    Conv2d c = new Conv2d(3, 4, 3, 1, 1, true, new Rng(5));
    assertThat(a.weight().value().data()).isEqualTo(b.weight().value().data());
    assertThat(a.bias().value().data()).isEqualTo(b.bias().value().data());
    assertThat(a.weight().value().data()).isNotEqualTo(c.weight().value().data());
  }

  @Test
  void noBiasMeansOneParameter() {
    Conv2d conv = new Conv2d(2, 3, 5, 2, 2, false, new Rng(6));
    assertThat(conv.bias()).isNull();
    assertThat(conv.parameters()).extracting(Parameter::name).containsExactly("weight");
    assertThat(conv.toString())
        .isEqualTo("Conv2d(2, 3, kernel_size=(5, 5), stride=(2, 2), padding=(2, 2), bias=False)");
  }
}
