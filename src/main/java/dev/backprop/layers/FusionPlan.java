package dev.backprop.layers;

import java.util.List;

/**
 * Which layers of a {@link Sequential} run together, decided once from the layers' types when the model is built;
 * the only place that looks at them.
 *
 * <ul>
 *   <li>Training: a Conv2d, ReLU, BatchNorm2d block runs its ReLU inside its neighbours (the convolution rectifies
 *       each output plane as it writes it, BatchNorm's backward applies the ReLU's mask in its own pass).
 *   <li>Inference: a Conv2d applies the ReLU and/or eval-mode BatchNorm that follow it in its output pass.
 *   <li>Inference of 16 samples or more: from the first convolution on, the layers run with the samples in the
 *       lanes ({@link InterleavedLayers}) as far as they can.
 *   <li>Training's backward skips the input gradient of a first Conv2d: its input is the data.
 * </ul>
 *
 * Other layers, DepthwiseConv2d blocks included, run one by one.
 */
final class FusionPlan {
  private static final ConvStrategy.OutputStage RELU = new ConvStrategy.OutputStage(true, null);

  private final boolean[] trainingBlocks; // [i]: layers i, i + 1, i + 2 are a Conv2d, a ReLU and a BatchNorm2d
  private final ConvStrategy.OutputStage[] inferStages; // [i]: what a Conv2d at i applies in infer, else null
  private final boolean firstIsConv;
  private final List<Layer> layers;
  private InterleavedLayers segment; // for the sample shape of the last inference
  private final int[] segmentShape = new int[3];

  FusionPlan(List<Layer> layers) {
    this.layers = layers;
    int size = layers.size();
    trainingBlocks = new boolean[size];
    inferStages = new ConvStrategy.OutputStage[size];
    for (int i = 0; i < size; i++) {
      if (layers.get(i) instanceof Conv2d) {
        boolean relu = i + 1 < size && layers.get(i + 1) instanceof ReLU;
        int next = relu ? i + 2 : i + 1;
        BatchNorm2d norm = next < size && layers.get(next) instanceof BatchNorm2d bn ? bn : null;
        trainingBlocks[i] = relu && norm != null;
        inferStages[i] =
            relu || norm != null ? new ConvStrategy.OutputStage(relu, norm) : ConvStrategy.OutputStage.NONE;
      }
    }
    firstIsConv = size > 0 && layers.get(0) instanceof Conv2d;
  }

  /** Whether a training block (Conv2d, ReLU, BatchNorm2d) starts at layer i. */
  boolean trainingBlockAt(int i) {
    return trainingBlocks[i];
  }

  /** The output stage of a training block's convolution: its ReLU. */
  ConvStrategy.OutputStage trainingStage() {
    return RELU;
  }

  /** What the Conv2d at layer i applies in its output pass in inference; null where layer i is no Conv2d. */
  ConvStrategy.OutputStage inferStageAt(int i) {
    return inferStages[i];
  }

  /** Whether layer 0 is a Conv2d, whose input gradient training does not need. */
  boolean firstIsConv() {
    return firstIsConv;
  }

  /**
   * The interleaved layers of an inference on samples of [C, H, W], or null: from the first Conv2d on, as far as
   * the layers have an interleaved form ({@link InterleavedLayers#of}).
   */
  InterleavedLayers interleaved(int channels, int height, int width) {
    if (segmentShape[0] != channels || segmentShape[1] != height || segmentShape[2] != width) {
      segment = null;
      int[] shape = {channels, height, width};
      for (int i = 0; i < layers.size() && segment == null; i++) {
        if (layers.get(i) instanceof Conv2d) {
          segment = InterleavedLayers.of(layers, this, i, shape);
        }
        shape = layers.get(i).outputShape(shape);
      }
      segmentShape[0] = channels;
      segmentShape[1] = height;
      segmentShape[2] = width;
    }
    return segment;
  }
}
