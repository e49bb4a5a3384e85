package dev.backprop.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import dev.backprop.tensor.Rng;
import dev.backprop.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Pooling details random inputs cannot reach: ties, NaN, floor mode. */
class PoolTest {

  @Test
  void maxPoolTiesSendTheGradientToTheFirstMaximum() {
    // one 2x2 window of equal values, one with the maximum repeated at its second and fourth positions
    Tensor x = Tensor.wrap(new float[] {1, 1, 0, 5, 1, 1, 2, 5}, 1, 1, 2, 4);
    MaxPool2d pool = new MaxPool2d(2, 2);
    assertThat(pool.forward(x, true).data()).containsExactly(1f, 5f);
    Tensor dx = pool.backward(Tensor.wrap(new float[] {10f, 20f}, 1, 1, 1, 2));
    assertThat(dx.data()).containsExactly(10, 0, 0, 20, 0, 0, 0, 0);
  }

  @Test
  void maxPoolNanWinsAndTakesTheGradient() {
    // PyTorch's rule: a NaN replaces the running maximum, so the last NaN of a window wins; 2x2 at stride 2 runs
    // its own kernel, 3x3 at stride 3 the general loop
    float nan = Float.NaN;
    Tensor x = Tensor.wrap(new float[] {nan, 1, 7, 2, 3, nan, nan, 5}, 1, 1, 2, 4);
    MaxPool2d pool = new MaxPool2d(2, 2);
    assertThat(pool.forward(x, true).data()).containsExactly(nan, nan);
    assertThat(pool.backward(Tensor.wrap(new float[] {10f, 20f}, 1, 1, 1, 2)).data())
        .containsExactly(0, 0, 0, 0, 0, 10, 20, 0);
    Tensor x3 = Tensor.wrap(new float[] {9, nan, 1, 2, 3, 4, nan, 8, 5}, 1, 1, 3, 3);
    MaxPool2d pool3 = new MaxPool2d(3);
    assertThat(pool3.forward(x3, true).data()).containsExactly(nan);
    assertThat(pool3.backward(Tensor.wrap(new float[] {1f}, 1, 1, 1, 1)).data())
        .containsExactly(0, 0, 0, 0, 0, 0, 1, 0, 0);
  }

  @Test
  void overlappingMaxWindowsAddTheirGradients() {
    // two 2x2 windows at stride 1 share the column holding both 9s; the first 9 of each wins
    Tensor x = Tensor.wrap(new float[] {0, 9, 0, 0, 9, 0}, 1, 1, 2, 3);
    MaxPool2d pool = new MaxPool2d(2, 1);
    assertThat(pool.forward(x, true).data()).containsExactly(9f, 9f);
    assertThat(pool.backward(Tensor.wrap(new float[] {1f, 2f}, 1, 1, 1, 2)).data()).containsExactly(0, 3, 0, 0, 0, 0);
  }

  @Test
  void floorModeDropsTheRemainder() {
    assertThat(new MaxPool2d(2, 2).outputShape(new int[] {3, 7, 5})).containsExactly(3, 3, 2);
    assertThat(new AvgPool2d(3, 2).outputShape(new int[] {1, 8, 8})).containsExactly(1, 3, 3);
    assertThat(new MaxPool2d(2, 2).forward(Tensor.zeros(2, 3, 7, 5), true).shape()).containsExactly(2, 3, 3, 2);
  }

  @Test
  void globalAveragePoolIsAnAveragePoolOverThePlane() {
    Tensor x = Tensor.zeros(2, 3, 4, 4);
    new Rng(1).gaussian(x.data(), 0, 1);
    float[] global = new GlobalAvgPool2d().forward(x, true).data().clone();
    float[] avg = new AvgPool2d(4, 4).forward(x, true).data();
    for (int i = 0; i < global.length; i++) {
      assertThat(global[i]).isCloseTo(avg[i], offset(1e-6f));
    }
  }
}
