package dev.backprop.loss;

import dev.backprop.tensor.Tensor;

/**
 * Cross-entropy of logits [N, C], as torch.nn.CrossEntropyLoss(label_smoothing=ε). With p = softmax(x) and the
 * target distribution q = (1 − ε)·onehot(label) + ε/C:
 *
 * <pre>
 *   L = (1/N)·Σ_n −Σ_c q[n, c]·log p[n, c]        dL/dx[n, c] = (p[n, c] − q[n, c]) / N
 * </pre>
 *
 * log p is computed as x − max − log Σ exp(x − max), so large logits do not overflow.
 */
public final class CrossEntropyLoss implements ClassificationLoss {
  private final double labelSmoothing;
  private int[] labels;
  private Tensor probabilities;
  private Tensor grad;

  public CrossEntropyLoss(double labelSmoothing) {
    if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
      throw new IllegalArgumentException("label smoothing must be in [0, 1], got " + labelSmoothing);
    }
    this.labelSmoothing = labelSmoothing;
  }

  public CrossEntropyLoss() {
    this(0.0);
  }

  public double labelSmoothing() {
    return labelSmoothing;
  }

  @Override
  public double forward(Tensor input, int[] labels) {
    Losses.checkClassification(input, labels, "CrossEntropyLoss");
    int n = input.dim(0);
    int c = input.dim(1);
    this.labels = Losses.copyLabels(this.labels, labels);
    probabilities = Tensor.reuseOrAllocate(probabilities, n, c);
    float[] x = input.data();
    float[] p = probabilities.data();
    double onTarget = 1 - labelSmoothing;
    double perClass = labelSmoothing / c;
    double total = 0;
    for (int s = 0; s < n; s++) {
      int row = s * c;
      double max = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < c; j++) {
        max = Math.max(max, x[row + j]);
      }
      double sumExp = 0;
      for (int j = 0; j < c; j++) {
        sumExp += StrictMath.exp(x[row + j] - max);
      }
      double logSumExp = max + StrictMath.log(sumExp);
      double sumLogP = 0;
      for (int j = 0; j < c; j++) {
        double logP = x[row + j] - logSumExp;
        sumLogP += logP;
        p[row + j] = (float) StrictMath.exp(logP);
      }
      total += -onTarget * (x[row + labels[s]] - logSumExp) - perClass * sumLogP;
    }
    return total / n;
  }

  @Override
  public Tensor backward() {
    if (probabilities == null) {
      throw new IllegalStateException("CrossEntropyLoss.backward called before forward");
    }
    int n = probabilities.dim(0);
    int c = probabilities.dim(1);
    grad = Tensor.reuseOrAllocate(grad, n, c);
    float[] p = probabilities.data();
    float[] g = grad.data();
    float perClass = (float) (labelSmoothing / c);
    float onTarget = (float) (1 - labelSmoothing);
    float invN = 1f / n;
    for (int s = 0; s < n; s++) {
      int row = s * c;
      for (int j = 0; j < c; j++) {
        g[row + j] = (p[row + j] - perClass) * invN;
      }
      g[row + labels[s]] -= onTarget * invN;
    }
    return grad;
  }

  @Override
  public String toString() {
    return "CrossEntropyLoss(label_smoothing=" + labelSmoothing + ")";
  }
}
