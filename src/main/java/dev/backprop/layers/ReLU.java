package dev.backprop.layers;

import dev.backprop.tensor.Parallel;
import dev.backprop.tensor.Tensor;

/**
 * y = max(x, 0) elementwise; dx = dy where y > 0, else 0 (PyTorch's choice of 0 at x = 0). Large tensors are
 * split into ranges over the threads ({@link Parallel}).
 */
public final class ReLU implements Layer {
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
      y[i] = in[i] > 0f ? in[i] : 0f;
    }
  }

  @Override
  public Tensor backward(Tensor gradOutput) {
    Shapes.requireGradient(gradOutput, output, "ReLU");
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
      dx[i] = y[i] > 0f ? dy[i] : 0f;
    }
  }

  @Override
  public String toString() {
    return "ReLU()";
  }
}
