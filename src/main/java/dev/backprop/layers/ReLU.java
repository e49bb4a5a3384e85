package dev.backprop.layers;

import dev.backprop.tensor.Tensor;

/** y = max(x, 0) elementwise; dx = dy where y > 0, else 0 (PyTorch's choice of 0 at x = 0). */
public final class ReLU implements Layer {
  private Tensor output;
  private Tensor gradInput;

  @Override
  public int[] outputShape(int[] inputShape) {
    return inputShape.clone();
  }

  // x [any] -> y [same]
  @Override
  public Tensor forward(Tensor x, boolean training) {
    output = Shapes.like(output, x);
    float[] in = x.data();
    float[] y = output.data();
    for (int i = 0; i < y.length; i++) {
      y[i] = in[i] > 0f ? in[i] : 0f;
    }
    return output;
  }

  @Override
  public Tensor backward(Tensor gradOutput) {
    Shapes.requireGradient(gradOutput, output, "ReLU");
    gradInput = Shapes.like(gradInput, output);
    float[] dy = gradOutput.data();
    float[] y = output.data();
    float[] dx = gradInput.data();
    for (int i = 0; i < dx.length; i++) {
      dx[i] = y[i] > 0f ? dy[i] : 0f;
    }
    return gradInput;
  }

  @Override
  public String toString() {
    return "ReLU()";
  }
}
