package dev.backprop.layers;

import dev.backprop.tensor.Parallel;

/**
 * y = max(x, 0) elementwise; dx = dy where y > 0, else 0 (PyTorch's choice of 0 at x = 0). Large tensors are
 * split into ranges over the threads ({@link Parallel}).
 */
public final class ReLU extends Elementwise {
  // x [any] -> y [same], elements [start, end)
  @Override
  void forwardRange(float[] x, float[] y, int start, int end) {
    for (int i = start; i < end; i++) {
      y[i] = x[i] > 0f ? x[i] : 0f;
    }
  }

  // dy [as y] -> dx [as y], elements [start, end)
  @Override
  void backwardRange(float[] dy, float[] y, float[] dx, int start, int end) {
    for (int i = start; i < end; i++) {
      dx[i] = y[i] > 0f ? dy[i] : 0f;
    }
  }

  @Override
  public String toString() {
    return "ReLU()";
  }
}
