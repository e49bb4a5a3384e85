package dev.backprop.layers;

import dev.backprop.tensor.Parallel;
import dev.backprop.tensor.Tensor;

/**
 * What the elementwise activations share: y has the shape of x, backward needs only y and dy, the output and
 * gradient buffers are reused, and large tensors are split into element ranges over the threads
 * ({@link Parallel}). Each subclass holds its forward and backward loop over a range, next to each other.
 */
abstract sealed class Elementwise implements Layer permits ReLU, Sigmoid {
  private Tensor input; // during forward
  private Tensor output;
  private Tensor gradOutput; // during backward
  private Tensor gradInput;
  private final Parallel.Body forwardRange =
      (chunk, start, end, worker) -> forwardRange(input.data(), output.data(), start, end);
  private final Parallel.Body backwardRange =
      (chunk, start, end, worker) -> backwardRange(gradOutput.data(), output.data(), gradInput.data(), start, end);

  @Override
  public int[] outputShape(int[] inputShape) {
    return inputShape.clone();
  }

  // x [any] -> y [same]
  @Override
  public Tensor forward(Tensor x, boolean training) {
    output = Scratch.like(output, x);
    input = x;
    try {
      Parallel.forRange(x.size(), Parallel.ELEMENTS_PER_CHUNK, forwardRange);
    } finally {
      input = null;
    }
    return output;
  }

  /** Elements [start, end): y[i] from x[i]. */
  abstract void forwardRange(float[] x, float[] y, int start, int end);

  // dy [as y] -> dx [as y]
  @Override
  public Tensor backward(Tensor gradOutput) {
    Shapes.requireGradient(gradOutput, output, getClass().getSimpleName());
    gradInput = Scratch.like(gradInput, output);
    this.gradOutput = gradOutput;
    try {
      Parallel.forRange(gradInput.size(), Parallel.ELEMENTS_PER_CHUNK, backwardRange);
    } finally {
      this.gradOutput = null;
    }
    return gradInput;
  }

  /** Elements [start, end): dx[i] from dy[i] and y[i]. */
  abstract void backwardRange(float[] dy, float[] y, float[] dx, int start, int end);
}
