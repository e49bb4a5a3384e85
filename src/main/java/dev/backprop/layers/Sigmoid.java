package dev.backprop.layers;

import dev.backprop.tensor.Tensor;

/** y = 1 / (1 + e^−x) elementwise; dx = dy·y·(1 − y). */
public final class Sigmoid implements Layer {
  private Tensor output;
  private Tensor gradInput;

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
    float[] in = x.data();
    float[] y = output.data();
    for (int i = 0; i < y.length; i++) {
      y[i] = (float) sigmoid(in[i]);
    }
    return output;
  }

  @Override
  public Tensor backward(Tensor gradOutput) {
    Shapes.requireGradient(gradOutput, output, "Sigmoid");
    gradInput = Shapes.like(gradInput, output);
    float[] dy = gradOutput.data();
    float[] y = output.data();
    float[] dx = gradInput.data();
    for (int i = 0; i < dx.length; i++) {
      dx[i] = dy[i] * y[i] * (1f - y[i]);
    }
    return gradInput;
  }

  @Override
  public String toString() {
    return "Sigmoid()";
  }
}
