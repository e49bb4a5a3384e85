package dev.backprop.layers;

import dev.backprop.tensor.Parallel;
import dev.backprop.tensor.Kernels;

/**
 * y = max(x, 0) elementwise; dx = dy where y > 0, else 0 (PyTorch's choice of 0 at x = 0). Large tensors are
 * split into ranges over the threads ({@link Parallel}).
 */
public final class ReLU extends Elementwise {
  // x [any] -> y [same], elements [start, end)
  @Override
  void forwardRange(float[] x, float[] y, int start, int end) {
    Kernels.relu(x, y, start, end); // y[i] = x[i] > 0 ? x[i] : 0
  }

  // dy [as y] -> dx [as y], elements [start, end)
  @Override
  void backwardRange(float[] dy, float[] y, float[] dx, int start, int end) {
    Kernels.reluBackward(dy, y, dx, start, end); // dx[i] = y[i] > 0 ? dy[i] : 0
  }

  @Override
  public String toString() {
    return "ReLU()";
  }
}
