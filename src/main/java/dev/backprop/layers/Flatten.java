package dev.backprop.layers;

import dev.backprop.tensor.Tensor;

/**
 * [N, d1, d2, ...] -> [N, d1·d2·...], as torch.nn.Flatten(). Forward and backward return views over the same
 * buffer (no copy); the view objects are kept and reused while the shapes stay the same.
 */
public final class Flatten implements Layer {
  private Tensor input;
  private Tensor output; // a view of input
  private Tensor gradInput; // a view of the last gradOutput

  @Override
  public int[] outputShape(int[] inputShape) {
    int size = 1;
    for (int d : inputShape) {
      size *= d;
    }
    return new int[] {size};
  }

  // x [N, ...] -> y [N, prod(...)]
  @Override
  public Tensor forward(Tensor x, boolean training) {
    if (x.rank() < 1) {
      throw new IllegalArgumentException("Flatten expects a batch dimension, got a scalar");
    }
    int n = x.dim(0);
    int perSample = n == 0 ? 0 : x.size() / n;
    if (output == null || output.data() != x.data() || output.dim(0) != n || output.dim(1) != perSample) {
      output = x.reshape(n, perSample);
    }
    input = x;
    return output;
  }

  @Override
  public Tensor backward(Tensor gradOutput) {
    Shapes.requireGradient(gradOutput, output, "Flatten");
    if (gradInput == null || gradInput.data() != gradOutput.data() || !Shapes.same(gradInput, input)) {
      gradInput = gradOutput.reshape(input.shape());
    }
    return gradInput;
  }

  @Override
  public String toString() {
    return "Flatten(start_dim=1, end_dim=-1)";
  }
}
