package dev.backprop.layers;

import dev.backprop.tensor.Tensor;

/**
 * log_softmax over dim 1 of [N, C]: y = x − max(x) − log Σ exp(x − max(x)) per row (the shift keeps exp from
 * overflowing). Backward: dx = dy − softmax(x)·Σ dy, with softmax = exp(y).
 */
public final class LogSoftmax implements Layer {
  private Tensor output;
  private Tensor gradInput;

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
    int n = x.dim(0);
    int c = x.dim(1);
    output = Shapes.like(output, x);
    float[] in = x.data();
    float[] y = output.data();
    for (int s = 0; s < n; s++) {
      int row = s * c;
      float max = Float.NEGATIVE_INFINITY;
      for (int j = 0; j < c; j++) {
        max = Math.max(max, in[row + j]);
      }
      double sum = 0;
      for (int j = 0; j < c; j++) {
        sum += Math.exp(in[row + j] - max);
      }
      float logSum = (float) Math.log(sum);
      for (int j = 0; j < c; j++) {
        y[row + j] = in[row + j] - max - logSum;
      }
    }
    return output;
  }

  // dy [N, C] -> dx [N, C]
  @Override
  public Tensor backward(Tensor gradOutput) {
    Shapes.requireGradient(gradOutput, output, "LogSoftmax");
    int n = output.dim(0);
    int c = output.dim(1);
    gradInput = Shapes.like(gradInput, output);
    float[] dy = gradOutput.data();
    float[] y = output.data();
    float[] dx = gradInput.data();
    for (int s = 0; s < n; s++) {
      int row = s * c;
      double sumDy = 0;
      for (int j = 0; j < c; j++) {
        sumDy += dy[row + j];
      }
      float total = (float) sumDy;
      for (int j = 0; j < c; j++) {
        dx[row + j] = dy[row + j] - (float) Math.exp(y[row + j]) * total;
      }
    }
    return gradInput;
  }

  @Override
  public String toString() {
    return "LogSoftmax(dim=1)";
  }
}
