package dev.backprop.layers;

import dev.backprop.tensor.Parallel;
import dev.backprop.tensor.Tensor;

/** y = 1 / (1 + e^−x) elementwise; dx = dy·y·(1 − y). Large tensors are split over the threads. */
public final class Sigmoid implements Layer {
  private Tensor input; // during forward
  private Tensor output;
  private Tensor gradOutput; // during backward
  private Tensor gradInput;
  private final Parallel.Body forwardRange = this::forwardRange;
  private final Parallel.Body backwardRange = this::backwardRange;

  @Override
  public int[] outputShape(int[] inputShape) {
    return inputShape.clone();
  }

  /** The logistic function without overflow: e^x is only taken of a non-positive number. */
  public static double sigmoid(double x) {
    if (x >= 0) {
      return 1.0 / (1.0 + Math.exp(-x));
    }
    double e = Math.exp(x);
    return e / (1.0 + e);
  }

  // x [any] -> y [same]
  @Override
  public Tensor forward(Tensor x, boolean training) {
    output = Shapes.like(output, x);
    input = x;
    try {
      Parallel.forRange(x.size(), Shapes.ELEMENTS_PER_CHUNK, forwardRange);
    } finally {
      input = null;
    }
    return output;
  }

  private void forwardRange(int chunk, int start, int end, int worker) {
    float[] in = input.data();
    float[] y = output.data();
    for (int i = start; i < end; i++) {
      y[i] = (float) sigmoid(in[i]);
    }
  }

  @Override
  public Tensor backward(Tensor gradOutput) {
    Shapes.requireGradient(gradOutput, output, "Sigmoid");
    gradInput = Shapes.like(gradInput, output);
    this.gradOutput = gradOutput;
    try {
      Parallel.forRange(gradInput.size(), Shapes.ELEMENTS_PER_CHUNK, backwardRange);
    } finally {
      this.gradOutput = null;
    }
    return gradInput;
  }

  private void backwardRange(int chunk, int start, int end, int worker) {
    float[] dy = gradOutput.data();
    float[] y = output.data();
    float[] dx = gradInput.data();
    for (int i = start; i < end; i++) {
      dx[i] = dy[i] * y[i] * (1f - y[i]);
    }
  }

  @Override
  public String toString() {
    return "Sigmoid()";
  }
}
