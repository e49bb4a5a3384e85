package dev.backprop.loss;

import dev.backprop.tensor.Tensor;
import java.util.Arrays;

/**
 * Half the sum of squared errors over every element (not averaged): L = ½·Σ (y − t)², dL/dy = y − t. The loss of
 * the worked 2-2-2 example.
 */
public final class SumSquaresLoss {
  private Tensor output;
  private Tensor target;
  private Tensor grad;

  public double forward(Tensor output, Tensor target) {
    if (!Arrays.equals(output.shape(), target.shape())) {
      throw new IllegalArgumentException(
          "SumSquaresLoss: output " + Arrays.toString(output.shape()) + " vs target "
              + Arrays.toString(target.shape()));
    }
    this.output = output;
    this.target = target;
    float[] y = output.data();
    float[] t = target.data();
    double sum = 0;
    for (int i = 0, size = output.size(); i < size; i++) {
      double d = (double) y[i] - t[i];
      sum += d * d;
    }
    return 0.5 * sum;
  }

  /** dL/dOutput = output − target, for the tensors of the last forward (which must be unchanged since). */
  public Tensor backward() {
    if (output == null) {
      throw new IllegalStateException("SumSquaresLoss.backward called before forward");
    }
    grad = Tensor.reuseOrAllocate(grad, output.shape());
    float[] y = output.data();
    float[] t = target.data();
    float[] g = grad.data();
    for (int i = 0, size = grad.size(); i < size; i++) {
      g[i] = y[i] - t[i];
    }
    return grad;
  }
}
