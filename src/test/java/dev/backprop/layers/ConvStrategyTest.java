package dev.backprop.layers;

import static dev.backprop.reference.Check.layer;
import static org.assertj.core.api.Assertions.assertThat;

import dev.backprop.models.Zoo;
import dev.backprop.tensor.Parallel;
import dev.backprop.tensor.Rng;
import dev.backprop.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every convolution strategy on every class of shape, forced, against the double-precision reference and finite
 * differences ({@code Check.layer}); the matrix-product strategies' forward against the direct loops bit for bit
 * (both sum each output as one fma chain over (c, ki, kj)); and the strategy ref15k's layers take, so that a
 * changed threshold cannot make these tests check the same path twice without anyone noticing.
 */
class ConvStrategyTest {

  /** in, out, kernel, stride, padding, bias; then the input N, H, W. */
  record Shape(String what, int in, int out, int kernel, int stride, int padding, boolean bias, int n, int h, int w) {
    Conv2d conv(Conv2d.Algorithm algorithm) {
      Conv2d conv = new Conv2d(in, out, kernel, stride, padding, bias, new Rng(3));
      conv.useAlgorithm(algorithm);
      return conv;
    }

    @Override
    public String toString() {
      return what;
    }
  }

  static final List<Shape> SHAPES = List.of(
      new Shape("wide, stride 1, 4 channels (shifted by default)", 4, 3, 3, 1, 0, true, 2, 18, 17),
      new Shape("wide, stride 1, padding 1", 5, 3, 3, 1, 1, true, 2, 20, 16),
      new Shape("wide 5x5, padding 2, no bias", 4, 3, 5, 1, 2, false, 2, 17, 18),
      new Shape("one input channel (im2col by default)", 1, 8, 3, 1, 0, false, 3, 19, 19),
      new Shape("narrow: samples grouped in a product", 3, 4, 3, 1, 0, true, 3, 7, 6),
      new Shape("stride 2, padding 1", 3, 4, 3, 2, 1, true, 2, 8, 7),
      new Shape("1x1", 5, 3, 1, 1, 0, true, 2, 4, 4));

  static Stream<Arguments> everyStrategyOnEveryShape() {
    List<Arguments> cases = new ArrayList<>();
    for (Shape shape : SHAPES) {
      for (Conv2d.Algorithm algorithm : Conv2d.Algorithm.values()) {
        if (algorithm != Conv2d.Algorithm.SHIFTED || shape.stride() == 1) {
          cases.add(Arguments.of(algorithm, shape));
        }
      }
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("everyStrategyOnEveryShape")
  void matchesTheReferenceAndFiniteDifferences(Conv2d.Algorithm algorithm, Shape s) {
    layer(s.conv(algorithm), true, s.n(), s.in(), s.h(), s.w());
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("everyStrategyOnEveryShape")
  void forwardGivesTheDirectLoopsBits(Conv2d.Algorithm algorithm, Shape s) {
    Tensor x = Tensor.zeros(s.n(), s.in(), s.h(), s.w());
    new Rng(9).gaussian(x.data(), 0, 1);
    float[] direct = s.conv(Conv2d.Algorithm.DIRECT).forward(x, true).data().clone();
    float[] other = s.conv(algorithm).forward(x, true).data();
    assertThat(other).as("%s forward against the direct loops", algorithm).isEqualTo(direct);
  }

  /**
   * The weight gradient too: every strategy sums dW[o, c, ki, kj] as one fma chain over the samples and their
   * output positions in order (the products' padding taps and pitch gaps add fma(0, x, s) = s), so all give the
   * direct loops' bits, with the samples cut into chunks the same way.
   */
  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("everyStrategyOnEveryShape")
  void weightGradientGivesTheDirectLoopsBits(Conv2d.Algorithm algorithm, Shape s) {
    Tensor x = Tensor.zeros(s.n(), s.in(), s.h(), s.w());
    new Rng(9).gaussian(x.data(), 0, 1);
    Conv2d direct = s.conv(Conv2d.Algorithm.DIRECT);
    Conv2d other = s.conv(algorithm);
    Tensor dOut = Tensor.zeros(direct.forward(x, true).shape());
    new Rng(10).gaussian(dOut.data(), 0, 1);
    other.forward(x, true);
    direct.backward(dOut);
    other.backward(dOut);
    assertThat(other.weight().grad().data()).as("%s dW against the direct loops", algorithm)
        .isEqualTo(direct.weight().grad().data());
  }

  /** A batch smaller than the thread count runs the output channels in parts: the bits of one thread. */
  @Test
  void aSampleSplitOverThreadsByOutputChannelsGivesTheOneThreadBits() {
    Tensor x = Tensor.zeros(1, 4, 14, 13);
    new Rng(9).gaussian(x.data(), 0, 1);
    ConvStrategy.OutputStage stage = new ConvStrategy.OutputStage(true, null);
    Conv2d reference = new Conv2d(4, 18, 3, 1, 0, true, new Rng(3));
    reference.useAlgorithm(Conv2d.Algorithm.DIRECT);
    float[] direct = reference.forward(x, false, stage).data().clone();
    try {
      for (int threads : new int[] {1, 2, 3}) {
        Parallel.setThreads(threads);
        Conv2d shifted = new Conv2d(4, 18, 3, 1, 0, true, new Rng(3));
        shifted.useAlgorithm(Conv2d.Algorithm.SHIFTED);
        assertThat(shifted.forward(x, false, stage).data()).as("%d threads", threads).isEqualTo(direct);
      }
    } finally {
      Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }
  }

  /**
   * The forward's other paths, chosen by the batch: an eval-mode forward of fewer than 16 samples takes shifted
   * windows whatever the plane (batch-1 inference), and a forward of 16 or more on planes small enough for im2col to
   * group samples runs them in the lanes ({@link InterleavedLayers}; 37 samples: two whole blocks and a partial
   * one). Both give the bits of the direct loops, in training and eval mode, on 1, 2 and 3 threads, on ref15k's
   * small layers and the one-channel first one.
   */
  @ParameterizedTest
  @CsvSource({"1, 8, 28, 1", "16, 16, 11, 1", "16, 32, 5, 3", "32, 10, 3, 15", "16, 16, 11, 16", "16, 16, 9, 37",
      "16, 32, 5, 37", "32, 10, 3, 37"})
  void aForwardOfFewOrManySamplesGivesTheDirectLoopsBits(int in, int out, int size, int n) {
    Tensor x = Tensor.zeros(n, in, size, size);
    new Rng(9).gaussian(x.data(), 0, 1);
    ConvStrategy.OutputStage stage = new ConvStrategy.OutputStage(true, null);
    int kernel = size > 3 ? 3 : 1;
    Conv2d reference = new Conv2d(in, out, kernel, 1, 0, true, new Rng(3));
    reference.useAlgorithm(Conv2d.Algorithm.DIRECT);
    float[] direct = reference.forward(x, false, stage).data().clone();
    try {
      for (int threads : new int[] {1, 2, 3}) {
        Parallel.setThreads(threads);
        Conv2d conv = new Conv2d(in, out, kernel, 1, 0, true, new Rng(3));
        assertThat(conv.forward(x, false, stage).data()).as("%d threads", threads).isEqualTo(direct);
        assertThat(conv.forward(x, true, stage).data()).as("training, %d threads", threads).isEqualTo(direct);
      }
    } finally {
      Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }
  }

  /**
   * A backward of 16 samples or more on small planes computes dx with the samples in the lanes
   * ({@link InterleavedLayers}): the bits of the im2col products and col2im (every dx element +0 plus its terms in
   * (ki, kj) order, each term a chain over the output channels), and dW still the direct loops' bits, on 1, 2 and 3
   * threads; 37 samples: two whole blocks and a partial one.
   */
  @ParameterizedTest
  @CsvSource({"16, 16, 11, 16", "16, 16, 9, 37", "16, 16, 7, 37", "16, 32, 5, 37", "5, 7, 6, 20"})
  void aBackwardOfManySamplesGivesTheIm2colBits(int in, int out, int size, int n) {
    Tensor x = Tensor.zeros(n, in, size, size);
    new Rng(9).gaussian(x.data(), 0, 1);
    Conv2d im2col = new Conv2d(in, out, 3, 1, 0, true, new Rng(3));
    im2col.useAlgorithm(Conv2d.Algorithm.IM2COL);
    Conv2d direct = new Conv2d(in, out, 3, 1, 0, true, new Rng(3));
    direct.useAlgorithm(Conv2d.Algorithm.DIRECT);
    Tensor dOut = Tensor.zeros(im2col.forward(x, true).shape());
    new Rng(10).gaussian(dOut.data(), 0, 1);
    direct.forward(x, true);
    float[] dx = im2col.backward(dOut).data().clone();
    direct.backward(dOut);
    try {
      for (int threads : new int[] {1, 2, 3}) {
        Parallel.setThreads(threads);
        Conv2d conv = new Conv2d(in, out, 3, 1, 0, true, new Rng(3));
        conv.forward(x, true);
        assertThat(conv.backward(dOut).data()).as("dx, %d threads", threads).isEqualTo(dx);
        assertThat(conv.weight().grad().data()).as("dW, %d threads", threads)
            .isEqualTo(direct.weight().grad().data());
      }
    } finally {
      Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }
  }

  @Test
  void ref15kTakesShiftedWindowsInItsWideLayersAndIm2colElsewhere() {
    Sequential model = Zoo.get("ref15k").build(new Rng(1));
    List<String> strategies = new ArrayList<>();
    int[] shape = {1, 28, 28};
    for (Layer layer : model.layers()) {
      if (layer instanceof Conv2d conv) {
        strategies.add(conv.strategyName(shape[1], shape[2]));
      }
      shape = layer.outputShape(shape);
    }
    assertThat(strategies).containsExactly(
        "im2col (1 sample per product)", // 1 -> 8 at 28x28: too few input channels for shifted windows
        "shifted windows", // 8 -> 16 at 26x26
        "shifted windows", // 16 -> 16 at 24x24
        "im2col (5 samples per product)", // 16 -> 16 at 11x11, after the max-pool: 97 columns a sample
        "im2col (8 samples per product)", // at 9x9
        "im2col (15 samples per product)", // at 7x7
        "im2col (39 samples per product)", // 16 -> 32 at 5x5
        "im2col (56 samples per product)"); // the 1x1 classifier at 3x3
  }
}
