package dev.backprop.layers;

import dev.backprop.tensor.Parallel;
import dev.backprop.tensor.Kernels;
import java.util.Arrays;

/**
 * Mean over each H×W plane: [N, C, H, W] -> [N, C, 1, 1], as torch.nn.AdaptiveAvgPool2d(1). Planes are split
 * over the threads ({@link Parallel}); each plane's sum is taken in double, in an order fixed by the plane size
 * ({@link Kernels#sum}).
 */
public final class GlobalAvgPool2d extends PerPlaneLayer {

  @Override
  int outputSize(int size) {
    return 1;
  }

  // Planes [from, to) of the forward pass: x [N, C, H, W] -> y [N, C, 1, 1], each the plane mean
  @Override
  void forwardPlanes(int chunk, int from, int to, int worker) {
    int hw = input.dim(2) * input.dim(3);
    float[] in = input.data();
    float[] y = output.data();
    for (int p = from; p < to; p++) {
      y[p] = (float) (Kernels.sum(in, p * hw, 1, hw, hw) / hw);
    }
  }

  // Planes [from, to) of the backward pass: dy [N, C, 1, 1] -> dx [N, C, H, W] = dy / (H·W)
  @Override
  void backwardPlanes(int chunk, int from, int to, int worker) {
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
