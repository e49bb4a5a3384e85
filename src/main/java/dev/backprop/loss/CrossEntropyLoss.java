package dev.backprop.loss;

import dev.backprop.layers.LogSoftmax;
import dev.backprop.tensor.Tensor;

/**
 * Cross-entropy of logits [N, C], as torch.nn.CrossEntropyLoss(label_smoothing=ε), and as PyTorch defines it:
 * the {@link NllLoss} (with label smoothing) of {@link LogSoftmax}'s log-probabilities. With p = softmax(x) and the
 * target distribution q = (1 − ε)·onehot(label) + ε/C:
 *
 * <pre>
 *   L = (1/N)·Σ_n −Σ_c q[n, c]·log p[n, c]        dL/dx[n, c] = (p[n, c] − q[n, c]) / N
 * </pre>
 *
 * The gradient is LogSoftmax's backward of NLL's −q/N: −q/N + p·Σ_c q/N, and Σ_c q = 1.
 */
public final class CrossEntropyLoss implements ClassificationLoss {
  private final double labelSmoothing;
  private final LogSoftmax logSoftmax = new LogSoftmax();
  private final NllLoss nll;

  public CrossEntropyLoss(double labelSmoothing) {
    if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
      throw new IllegalArgumentException("label smoothing must be in [0, 1], got " + labelSmoothing);
    }
    this.labelSmoothing = labelSmoothing;
    this.nll = new NllLoss(labelSmoothing);
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
    return nll.forward(logSoftmax.forward(input, true), labels);
  }

  @Override
  public Tensor backward() {
    return logSoftmax.backward(nll.backward());
  }

  @Override
  public String toString() {
    return "CrossEntropyLoss(label_smoothing=" + labelSmoothing + ")";
  }
}
