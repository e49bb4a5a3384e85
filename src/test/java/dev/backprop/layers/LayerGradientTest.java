package dev.backprop.layers;

import static dev.backprop.reference.Check.layer;

import dev.backprop.tensor.Rng;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Every layer against its double-precision reference (forward, input and parameter gradients, within 1e-5 of the
 * reference's max magnitude, or
 * absolute below 1) and the reference against finite differences (1e-6): see
 * {@link dev.backprop.reference.Check}.
 */
class LayerGradientTest {
  private static final boolean TRAIN = true;
  private static final boolean EVAL = false;

  private static Rng rng() {
    return new Rng(7);
  }

  @Test
  void conv3x3() {
    layer(new Conv2d(3, 4, 3, 1, 0, true, rng()), TRAIN, 2, 3, 7, 6);
  }

  @Test
  void conv1x1() {
    layer(new Conv2d(5, 3, 1, 1, 0, true, rng()), TRAIN, 2, 5, 4, 4);
  }

  @Test
  void conv5x5WithPadding() {
    layer(new Conv2d(2, 3, 5, 1, 2, true, rng()), TRAIN, 2, 2, 6, 7);
  }

  @Test
  void convStride2Padding1() {
    layer(new Conv2d(3, 4, 3, 2, 1, true, rng()), TRAIN, 2, 3, 8, 7);
  }

  @Test
  void convOneInputChannelNoBias() {
    layer(new Conv2d(1, 8, 3, 1, 0, false, rng()), TRAIN, 3, 1, 6, 6);
  }

  @Test
  void convStride2EvenKernelLargePadding() {
    layer(new Conv2d(2, 2, 4, 2, 3, true, rng()), TRAIN, 1, 2, 5, 5);
  }

  // Outputs wider than 256 columns and at least 4 input channels: one sample per product, on shifted windows of
  // the input instead of im2col.
  @Test
  void convShiftedWindows() {
    layer(new Conv2d(4, 3, 3, 1, 0, true, rng()), TRAIN, 2, 4, 18, 17);
  }

  @Test
  void convShiftedWindowsPadding1() {
    layer(new Conv2d(5, 3, 3, 1, 1, true, rng()), TRAIN, 2, 5, 20, 16);
  }

  @Test
  void convShiftedWindows5x5Padding2NoBias() {
    layer(new Conv2d(4, 3, 5, 1, 2, false, rng()), TRAIN, 2, 4, 17, 18);
  }

  @Test
  void convRandomConfigurations() {
    Random random = new Random(2024);
    for (int trial = 0; trial < 6; trial++) {
      int k = 1 + random.nextInt(5);
      int stride = 1 + random.nextInt(2);
      int padding = random.nextInt(Math.min(k, 3));
      int in = 1 + random.nextInt(4);
      int out = 1 + random.nextInt(5);
      int h = Math.max(1, k - 2 * padding) + random.nextInt(6);
      int w = Math.max(1, k - 2 * padding) + random.nextInt(6);
      int n = 1 + random.nextInt(3);
      layer(new Conv2d(in, out, k, stride, padding, random.nextBoolean(), rng()), TRAIN, n, in, h, w);
    }
  }

  @Test
  void batchNormTraining() {
    layer(new BatchNorm2d(3), TRAIN, 4, 3, 5, 5);
  }

  @Test
  void batchNormTrainingFewValuesPerChannel() {
    layer(new BatchNorm2d(4), TRAIN, 2, 4, 1, 2); // N·H·W = 4
    layer(new BatchNorm2d(2), TRAIN, 2, 2, 1, 1); // N·H·W = 2: x̂ = ±1
    layer(new BatchNorm2d(3), TRAIN, 1, 3, 1, 3);
  }

  @Test
  void batchNormEval() {
    layer(new BatchNorm2d(3), EVAL, 2, 3, 4, 5);
  }

  @Test
  void relu() {
    layer(new ReLU(), TRAIN, 3, 4, 5, 5);
    layer(new ReLU(), EVAL, 5, 7);
  }

  @Test
  void sigmoid() {
    layer(new Sigmoid(), TRAIN, 3, 4, 5);
  }

  @Test
  void flatten() {
    layer(new Flatten(), TRAIN, 2, 3, 4, 5);
  }

  @Test
  void logSoftmax() {
    layer(new LogSoftmax(), TRAIN, 4, 10);
    layer(new LogSoftmax(), TRAIN, 3, 1);
  }

  @Test
  void maxPool() {
    layer(new MaxPool2d(2, 2), TRAIN, 2, 3, 6, 6);
    layer(new MaxPool2d(2, 2), TRAIN, 2, 2, 7, 5); // floor: last row and column unused
    layer(new MaxPool2d(3, 1), TRAIN, 1, 2, 5, 6); // overlapping windows
    layer(new MaxPool2d(3, 2), TRAIN, 2, 1, 7, 7);
  }

  @Test
  void avgPool() {
    layer(new AvgPool2d(3, 3), TRAIN, 2, 3, 3, 3);
    layer(new AvgPool2d(2, 2), TRAIN, 2, 2, 5, 7);
    layer(new AvgPool2d(3, 1), TRAIN, 1, 2, 5, 4);
  }

  @Test
  void globalAvgPool() {
    layer(new GlobalAvgPool2d(), TRAIN, 3, 4, 5, 6);
    layer(new GlobalAvgPool2d(), TRAIN, 2, 3, 1, 1);
  }

  @Test
  void linear() {
    layer(new Linear(7, 5, true, rng()), TRAIN, 4, 7);
    layer(new Linear(3, 1, false, rng()), TRAIN, 2, 3);
  }

  @Test
  void dropoutTrainingUsesItsMask() {
    layer(new Dropout(0.3, rng()), TRAIN, 3, 4, 5, 5);
    layer(new Dropout(0.5, rng()), TRAIN, 4, 9);
  }

  @Test
  void dropout2dTrainingUsesItsMask() {
    layer(new Dropout2d(0.4, rng()), TRAIN, 3, 6, 4, 4);
  }

  @Test
  void dropoutIsIdentityInEvalAndAtZero() {
    layer(new Dropout(0.3, rng()), EVAL, 2, 3, 4, 4);
    layer(new Dropout2d(0.3, rng()), EVAL, 2, 3, 4, 4);
    layer(new Dropout(0.0, rng()), TRAIN, 2, 3, 4, 4);
  }

  @Test
  void smallCnnEndToEnd() {
    Rng r = rng();
    Sequential model =
        new Sequential(
            new Conv2d(1, 4, 3, 1, 1, true, r),
            new BatchNorm2d(4),
            new ReLU(),
            new MaxPool2d(2, 2),
            new Dropout2d(0.2, r),
            new Conv2d(4, 6, 3, 2, 0, false, r),
            new Sigmoid(),
            new AvgPool2d(1, 1),
            new Dropout(0.1, r),
            new Flatten(),
            new Linear(6 * 2 * 2, 5, true, r),
            new LogSoftmax());
    layer(model, TRAIN, 3, 1, 10, 10);
  }
}
