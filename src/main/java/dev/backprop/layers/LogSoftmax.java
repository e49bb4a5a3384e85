package dev.backprop.layers;

import dev.backprop.tensor.Parallel;
import dev.backprop.tensor.Tensor;

/**
 * log_softmax over dim 1 of [N, C]: y = x − max(x) − log Σ exp(x − max(x)) per row (the shift keeps exp from
 * overflowing). Backward: dx = dy − softmax(x)·Σ dy, with softmax = exp(y). Rows of large batches are split
 * over the threads ({@link Parallel}).
 */
public final class LogSoftmax implements Layer {
  private Tensor input; // during forward
  private Tensor output;
  private Tensor gradOutput; // during backward
  private Tensor gradInput;
  private final Parallel.Body forwardRows = this::forwardRows;
  private final Parallel.Body backwardRows = this::backwardRows;

  @Override
  public int[] outputShape(int[] inputShape) {
    if (inputShape.length != 1) {
      throw new IllegalArgumentException("LogSoftmax expects [C] per sample (flatten first)");
    }
    return inputShape.clone();
  }

  // x [N, C] -> y [N, C]
  @Override
  public Tensor forward(Tensor x, boolean training) {
    Shapes.requireRank(x, 2, "LogSoftmax");
    output = Scratch.like(output, x);
    input = x;
    try {
      Parallel.forRange(x.dim(0), Parallel.grainForItems(x.dim(1)), forwardRows);
    } finally {
      input = null;
    }
    return output;
  }

  // Rows [from, to) of the forward pass.
  private void forwardRows(int chunk, int from, int to, int worker) {
    int c = input.dim(1);
    float[] in = input.data();
    float[] y = output.data();
    for (int s = from; s < to; s++) {
      int row = s * c;
      float max = Float.NEGATIVE_INFINITY;
      for (int j = 0; j < c; j++) {
        max = Math.max(max, in[row + j]);
      }
      double sum = 0;
      for (int j = 0; j < c; j++) {
        sum += StrictMath.exp(in[row + j] - max);
      }
      float logSum = (float) StrictMath.log(sum);
      for (int j = 0; j < c; j++) {
        y[row + j] = in[row + j] - max - logSum;
      }
    }
  }

  // dy [N, C] -> dx [N, C]
  @Override
  public Tensor backward(Tensor gradOutput) {
    Shapes.requireGradient(gradOutput, output, "LogSoftmax");
    gradInput = Scratch.like(gradInput, output);
    this.gradOutput = gradOutput;
    try {
      Parallel.forRange(output.dim(0), Parallel.grainForItems(output.dim(1)), backwardRows);
    } finally {
      this.gradOutput = null;
    }
    return gradInput;
  }

  // Rows [from, to) of the backward pass.
  private void backwardRows(int chunk, int from, int to, int worker) {
    int c = output.dim(1);
    float[] dy = gradOutput.data();
    float[] y = output.data();
    float[] dx = gradInput.data();
    for (int s = from; s < to; s++) {
      int row = s * c;
      double sumDy = 0;
      for (int j = 0; j < c; j++) {
        sumDy += dy[row + j];
      }
      float total = (float) sumDy;
      for (int j = 0; j < c; j++) {
        dx[row + j] = dy[row + j] - (float) StrictMath.exp(y[row + j]) * total;
      }
    }
  }

  @Override
  public String toString() {
    return "LogSoftmax(dim=1)";
  }
}
