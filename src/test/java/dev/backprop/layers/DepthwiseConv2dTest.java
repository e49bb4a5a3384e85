package dev.backprop.layers;

import static dev.backprop.reference.Check.layer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.backprop.tensor.Parallel;
import dev.backprop.tensor.Rng;
import dev.backprop.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * DepthwiseConv2d: both its loops (the plane loops it runs and the reference loops of the definitions) against the
 * double-precision reference and finite differences ({@code Check.layer}); the plane loops against the reference
 * loops bit for bit, with 1, 2 and 3 threads (every sum has one order: forward, dx and each chunk's dW chain the
 * same terms in the same order, db is the same kernel call); PyTorch's initialisation bounds.
 */
class DepthwiseConv2dTest {

  private static DepthwiseConv2d depthwise(int channels, int kernel, int stride, int padding, boolean bias,
      boolean reference) {
    DepthwiseConv2d layer = new DepthwiseConv2d(channels, kernel, stride, padding, bias, new Rng(3));
    layer.useReferenceLoops(reference);
    return layer;
  }

  @ParameterizedTest(name = "C={0} k={1} stride={2} padding={3} bias={4} on {5}x{6}x{7}, reference loops {8}")
  @CsvSource({
      "3, 3, 1, 0, true, 2, 7, 6, false", "3, 3, 1, 0, true, 2, 7, 6, true",
      "4, 3, 1, 1, false, 2, 8, 9, false", "4, 3, 1, 1, false, 2, 8, 9, true",
      "2, 5, 1, 2, true, 3, 6, 7, false", "2, 5, 1, 2, true, 3, 6, 7, true",
      "3, 3, 2, 1, true, 2, 8, 7, false", "3, 3, 2, 1, true, 2, 8, 7, true",
      "2, 4, 2, 3, false, 1, 5, 5, false", "2, 4, 2, 3, false, 1, 5, 5, true",
      "5, 1, 1, 0, true, 2, 4, 4, false", "5, 1, 1, 0, true, 2, 4, 4, true"})
  void matchesTheReferenceAndFiniteDifferences(int channels, int kernel, int stride, int padding, boolean bias,
      int n, int h, int w, boolean reference) {
    layer(depthwise(channels, kernel, stride, padding, bias, reference), true, n, channels, h, w);
  }

  @Test
  void randomConfigurations() {
    Random random = new Random(2026);
    for (int trial = 0; trial < 8; trial++) {
      int k = 1 + random.nextInt(5);
      int stride = 1 + random.nextInt(2);
      int padding = random.nextInt(Math.min(k, 3));
      int channels = 1 + random.nextInt(4);
      int h = Math.max(1, k - 2 * padding) + random.nextInt(6);
      int w = Math.max(1, k - 2 * padding) + random.nextInt(6);
      int n = 1 + random.nextInt(3);
      layer(depthwise(channels, k, stride, padding, random.nextBoolean(), false), true, n, channels, h, w);
    }
  }

  /** 37 samples: 19 chunks of 2 for the weight gradients, so that the chunked sums and their order are exercised. */
  @ParameterizedTest(name = "k={0} stride={1} padding={2} bias={3}")
  @CsvSource({"3, 1, 0, true", "3, 1, 1, false", "3, 2, 1, true", "5, 1, 2, true", "1, 1, 0, false"})
  void planeLoopsGiveTheBitsOfTheReferenceLoopsOnAnyThreadCount(int kernel, int stride, int padding,
      boolean bias) {
    int channels = 6;
    Tensor x = Tensor.zeros(37, channels, 13, 12);
    new Rng(11).gaussian(x.data(), 0, 1);
    Tensor dOut = null;
    Result expected = null;
    try {
      for (int threads : new int[] {1, 2, 3}) {
        Parallel.setThreads(threads);
        for (boolean reference : new boolean[] {true, false}) {
          DepthwiseConv2d layer = depthwise(channels, kernel, stride, padding, bias, reference);
          Tensor out = layer.forward(x, true);
          if (dOut == null) {
            dOut = Tensor.zeros(out.shape());
            new Rng(12).gaussian(dOut.data(), 0, 1);
          }
          // Two backward passes: the gradients accumulate, chunk sums added onto what is there.
          layer.backward(dOut);
          Tensor dx = layer.backward(dOut);
          Result result = new Result(out.data().clone(), dx.data().clone(), layer.weight().grad().data().clone(),
              bias ? layer.bias().grad().data().clone() : new float[0]);
          if (expected == null) {
            expected = result;
          } else {
            String what = "%d threads, %s loops".formatted(threads, reference ? "reference" : "plane");
            assertThat(result.out).as("out, " + what).isEqualTo(expected.out);
            assertThat(result.dx).as("dx, " + what).isEqualTo(expected.dx);
            assertThat(result.dW).as("dW, " + what).isEqualTo(expected.dW);
            assertThat(result.db).as("db, " + what).isEqualTo(expected.db);
          }
        }
      }
    } finally {
      Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }
  }

  private record Result(float[] out, float[] dx, float[] dW, float[] db) {}

  @Test
  void aNewInputSizeGetsFreshZeroBorders() {
    DepthwiseConv2d layer = depthwise(2, 3, 1, 1, true, false);
    DepthwiseConv2d reference = depthwise(2, 3, 1, 1, true, true);
    for (int[] hw : new int[][] {{9, 7}, {7, 9}, {5, 5}}) {
      Tensor x = Tensor.zeros(2, 2, hw[0], hw[1]);
      new Rng(hw[0]).gaussian(x.data(), 0, 1);
      assertThat(layer.forward(x, true).data()).isEqualTo(reference.forward(x, true).data());
    }
  }

  @Test
  void initialisesAsPyTorchWithFanInKTimesK() {
    DepthwiseConv2d layer = new DepthwiseConv2d(64, 3, 1, 1, true, new Rng(5));
    assertThat(layer.weight().value().shape()).containsExactly(64, 1, 3, 3);
    assertThat(layer.bias().value().shape()).containsExactly(64);
    // kaiming_uniform_(a = √5) and the bias both give U(−1/√fan_in, 1/√fan_in), fan_in = 9: ±1/3.
    for (Parameter p : layer.parameters()) {
      float max = 0;
      for (float v : p.value().data()) {
        max = Math.max(max, Math.abs(v));
      }
      assertThat(max).as(p.name()).isLessThanOrEqualTo(1f / 3).isGreaterThan(0.3f);
    }
    assertThat(layer.parameterCount()).isEqualTo(64 * 9 + 64);
    assertThat(layer).hasToString("Conv2d(64, 64, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), groups=64)");
  }

  @Test
  void refusesTheWrongChannelCount() {
    DepthwiseConv2d layer = depthwise(3, 3, 1, 0, true, false);
    assertThatThrownBy(() -> layer.forward(Tensor.zeros(1, 4, 5, 5), true))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("3 channels, got 4");
  }
}
