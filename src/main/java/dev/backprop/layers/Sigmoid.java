package dev.backprop.layers;

/** y = 1 / (1 + e^−x) elementwise; dx = dy·y·(1 − y). Large tensors are split over the threads. */
public final class Sigmoid extends Elementwise {
  /** The logistic function without overflow: e^x is only taken of a non-positive number. */
  public static double sigmoid(double x) {
    if (x >= 0) {
      return 1.0 / (1.0 + StrictMath.exp(-x));
    }
    double e = StrictMath.exp(x);
    return e / (1.0 + e);
  }

  // x [any] -> y [same], elements [start, end)
  @Override
  void forwardRange(float[] x, float[] y, int start, int end) {
    for (int i = start; i < end; i++) {
      y[i] = (float) sigmoid(x[i]);
    }
  }

  // dy [as y] -> dx [as y], elements [start, end)
  @Override
  void backwardRange(float[] dy, float[] y, float[] dx, int start, int end) {
    for (int i = start; i < end; i++) {
      dx[i] = dy[i] * y[i] * (1f - y[i]);
    }
  }

  @Override
  public String toString() {
    return "Sigmoid()";
  }
}
