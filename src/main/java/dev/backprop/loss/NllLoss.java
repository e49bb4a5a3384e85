package dev.backprop.loss;

import dev.backprop.tensor.Tensor;

/**
 * Negative log-likelihood of log-probabilities [N, C], as torch.nn.NLLLoss(): L = −(1/N)·Σ_n input[n, label_n].
 * dL/dinput[n, c] = −1/N where c = label_n, else 0.
 */
public final class NllLoss implements ClassificationLoss {
  private int[] labels;
  private Tensor grad;

  @Override
  public double forward(Tensor input, int[] labels) {
    Losses.checkClassification(input, labels, "NllLoss");
    int n = input.dim(0);
    int c = input.dim(1);
    this.labels = Losses.copyLabels(this.labels, labels);
    grad = Tensor.reuseOrAllocate(grad, n, c);
    float[] x = input.data();
    double sum = 0;
    for (int s = 0; s < n; s++) {
      sum += x[s * c + labels[s]];
    }
    return -sum / n;
  }

  @Override
  public Tensor backward() {
    if (grad == null) {
      throw new IllegalStateException("NllLoss.backward called before forward");
    }
    int n = grad.dim(0);
    int c = grad.dim(1);
    grad.fill(0f);
    float[] g = grad.data();
    for (int s = 0; s < n; s++) {
      g[s * c + labels[s]] = -1f / n;
    }
    return grad;
  }

  @Override
  public String toString() {
    return "NLLLoss()";
  }
}
