package dev.backprop.layers;

import dev.backprop.tensor.Parallel;
import dev.backprop.tensor.Kernels;
import dev.backprop.tensor.Tensor;
import java.util.Arrays;

/**
 * Mean over each H×W plane: [N, C, H, W] -> [N, C, 1, 1], as torch.nn.AdaptiveAvgPool2d(1). Planes are split
 * over the threads ({@link Parallel}); each plane's sum is taken in double, in an order fixed by the plane size
 * ({@link Kernels#sum}).
 */
public final class GlobalAvgPool2d implements Layer {
  private Tensor input;
  private Tensor output;
  private Tensor gradInput;
  private Tensor gradOutput; // during backward
  private final Parallel.Body forwardPlanes = this::forwardPlanes;
  private final Parallel.Body backwardPlanes = this::backwardPlanes;

  @Override
  public int[] outputShape(int[] inputShape) {
    return new int[] {inputShape[0], 1, 1};
  }

  // x [N, C, H, W] -> y [N, C, 1, 1]
  @Override
  public Tensor forward(Tensor x, boolean training) {
    Shapes.requireRank(x, 4, "GlobalAvgPool2d");
    input = x;
    output = Tensor.reuseOrAllocate(output, x.dim(0), x.dim(1), 1, 1);
    Parallel.forRange(x.dim(0) * x.dim(1), Parallel.grainForItems(x.dim(2) * x.dim(3)), forwardPlanes);
    return output;
  }

  // Planes [from, to) of the forward pass.
  private void forwardPlanes(int chunk, int from, int to, int worker) {
    int hw = input.dim(2) * input.dim(3);
    float[] in = input.data();
    float[] y = output.data();
    for (int p = from; p < to; p++) {
      y[p] = (float) (Kernels.sum(in, p * hw, 1, hw, hw) / hw);
    }
  }

  // dy [N, C, 1, 1] -> dx [N, C, H, W] = dy / (H·W)
  @Override
  public Tensor backward(Tensor gradOutput) {
    Shapes.requireGradient(gradOutput, output, "GlobalAvgPool2d");
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

  // Planes [from, to) of the backward pass.
  private void backwardPlanes(int chunk, int from, int to, int worker) {
    int hw = input.dim(2) * input.dim(3);
    float[] dy = gradOutput.data();
    float[] dx = gradInput.data();
    for (int p = from; p < to; p++) {
      float g = dy[p] / hw;
      Arrays.fill(dx, p * hw, (p + 1) * hw, g);
    }
  }

  @Override
  public String toString() {
    return "GlobalAvgPool2d()";
  }
}
