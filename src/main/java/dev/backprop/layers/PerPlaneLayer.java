package dev.backprop.layers;

import dev.backprop.tensor.Parallel;
import dev.backprop.tensor.Tensor;

/**
 * What the pooling layers share: [N, C, H, W] -> [N, C, OH, OW] plane by plane, the output and gradient buffers,
 * and the split of the N·C planes over the threads ({@link Parallel}). A plane's output depends on that plane
 * only, so the chunks write apart. Each subclass holds its forward and backward loop over a range of planes, next
 * to each other.
 */
abstract sealed class PerPlaneLayer implements Layer permits Pool2d, GlobalAvgPool2d {
  // Read by the subclasses' plane loops.
  Tensor input;
  Tensor output;
  Tensor gradInput;
  Tensor gradOutput; // during backward
  private final Parallel.Body forwardPlanes = this::forwardPlanes;
  private final Parallel.Body backwardPlanes = this::backwardPlanes;

  String name() {
    return getClass().getSimpleName();
  }

  /** OH for an input height H, and OW for a width W. */
  abstract int outputSize(int size);

  @Override
  public int[] outputShape(int[] inputShape) {
    return new int[] {inputShape[0], outputSize(inputShape[1]), outputSize(inputShape[2])};
  }

  // x [N, C, H, W] -> y [N, C, OH, OW]
  @Override
  public Tensor forward(Tensor x, boolean training) {
    Shapes.requireRank(x, 4, name());
    int oh = outputSize(x.dim(2));
    int ow = outputSize(x.dim(3));
    input = x;
    output = Tensor.reuseOrAllocate(output, x.dim(0), x.dim(1), oh, ow);
    prepareForward();
    Parallel.forRange(x.dim(0) * x.dim(1), Parallel.grainForItems(x.dim(2) * x.dim(3)), forwardPlanes);
    return output;
  }

  /** Called once per forward, after the output is allocated and before the planes run. */
  void prepareForward() {}

  /** Planes [from, to) of the forward pass: input -> output. */
  abstract void forwardPlanes(int chunk, int from, int to, int worker);

  // dy [N, C, OH, OW] -> dx [N, C, H, W]
  @Override
  public Tensor backward(Tensor gradOutput) {
    Shapes.requireGradient(gradOutput, output, name());
    gradInput = Scratch.like(gradInput, input);
    this.gradOutput = gradOutput;
    try {
      Parallel.forRange(input.dim(0) * input.dim(1), Parallel.grainForItems(input.dim(2) * input.dim(3)),
          backwardPlanes);
    } finally {
      this.gradOutput = null;
    }
    return gradInput;
  }

  /** Planes [from, to) of the backward pass: gradOutput -> gradInput, each plane of gradInput written whole. */
  abstract void backwardPlanes(int chunk, int from, int to, int worker);
}
