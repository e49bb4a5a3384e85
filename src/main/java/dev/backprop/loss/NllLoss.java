package dev.backprop.loss;

import dev.backprop.tensor.Tensor;

/**
 * Negative log-likelihood of log-probabilities [N, C], as torch.nn.NLLLoss(): L = −(1/N)·Σ_n input[n, label_n].
 * dL/dinput[n, c] = −1/N where c = label_n, else 0.
 *
 * <p>{@link CrossEntropyLoss} uses it with label smoothing ε: against the target distribution
 * q = (1 − ε)·onehot(label) + ε/C, L = −(1/N)·Σ_n Σ_c q[n, c]·input[n, c] and dL/dinput = −q/N.
 */
public final class NllLoss implements ClassificationLoss {
  private final double labelSmoothing;
  private int[] labels;
  private Tensor grad;

  public NllLoss() {
    this(0);
  }

  NllLoss(double labelSmoothing) {
    this.labelSmoothing = labelSmoothing;
  }

  @Override
  public double forward(Tensor input, int[] labels) {
    Losses.checkClassification(input, labels, "NllLoss");
    int n = input.dim(0);
    int c = input.dim(1);
    this.labels = Losses.copyLabels(this.labels, labels);
    grad = Tensor.reuseOrAllocate(grad, n, c);
    float[] x = input.data();
    double onLabels = 0;
    for (int s = 0; s < n; s++) {
      onLabels += x[s * c + labels[s]];
    }
    if (labelSmoothing == 0) {
      return -onLabels / n;
    }
    double all = 0;
    for (int i = 0; i < n * c; i++) {
      all += x[i];
    }
    return -((1 - labelSmoothing) * onLabels + labelSmoothing / c * all) / n;
  }

  @Override
  public Tensor backward() {
    if (labels == null) {
      throw new IllegalStateException("NllLoss.backward called before forward");
    }
    int n = grad.dim(0);
    int c = grad.dim(1);
    float invN = 1f / n;
    float perClass = (float) (labelSmoothing / c);
    grad.fill(labelSmoothing == 0 ? 0f : -perClass * invN);
    float[] g = grad.data();
    float onLabel = -((float) (1 - labelSmoothing) + perClass) * invN;
    for (int s = 0; s < n; s++) {
      g[s * c + labels[s]] = onLabel;
    }
    return grad;
  }

  @Override
  public String toString() {
    return "NLLLoss()";
  }
}
