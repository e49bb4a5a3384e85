package dev.backprop.layers;

import dev.backprop.tensor.Parallel;
import dev.backprop.tensor.Tensor;

/**
 * What the k×k pooling layers share: kernel and stride, no padding, floor mode (OH = (H − k) / stride + 1), the
 * output and gradient buffers, and the split of the planes (sample, channel) over the threads ({@link Parallel}).
 * A window never leaves its plane, so the chunks write apart. Each subclass holds its forward and backward loop
 * over a range of planes, next to each other.
 */
abstract sealed class Pool2d implements Layer permits MaxPool2d, AvgPool2d {
  final int kernel;
  final int stride;

  // Read by the subclasses' plane loops.
  Tensor input;
  Tensor output;
  Tensor gradInput;
  Tensor gradOutput; // during backward
  private final Parallel.Body forwardPlanes = this::forwardPlanes;
  private final Parallel.Body backwardPlanes = this::backwardPlanes;

  Pool2d(int kernel, int stride) {
    if (kernel < 1 || stride < 1) {
      throw new IllegalArgumentException(name() + ": kernel and stride must be positive");
    }
    this.kernel = kernel;
    this.stride = stride;
  }

  public int kernel() {
    return kernel;
  }

  public int stride() {
    return stride;
  }

  private String name() {
    return getClass().getSimpleName();
  }

  private int outSize(int size) {
    if (size < kernel) {
      throw new IllegalArgumentException(name() + ": input size " + size + " is smaller than the kernel " + kernel);
    }
    return (size - kernel) / stride + 1;
  }

  @Override
  public int[] outputShape(int[] inputShape) {
    return new int[] {inputShape[0], outSize(inputShape[1]), outSize(inputShape[2])};
  }

  // x [N, C, H, W] -> y [N, C, OH, OW]
  @Override
  public Tensor forward(Tensor x, boolean training) {
    Shapes.requireRank(x, 4, name());
    int oh = outSize(x.dim(2));
    int ow = outSize(x.dim(3));
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
