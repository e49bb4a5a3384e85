package dev.backprop.optim;

import dev.backprop.layers.Parameter;
import java.util.List;

/**
 * AdamW, exactly torch.optim.AdamW (1.13, amsgrad off): decoupled weight decay. Per element, at step t = 1, 2, ...:
 *
 * <pre>
 * p = p * (1 - lr * weightDecay)                (decay first; the moments see the raw gradient g)
 * m = beta1 * m + (1 - beta1) * g
 * v = beta2 * v + (1 - beta2) * g * g
 * p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 * </pre>
 *
 * Precision and {@link #momentum()} as for {@link Adam}.
 */
public final class AdamW extends AdamBase {

  public AdamW(
      List<Parameter> parameters, double learningRate, double beta1, double beta2, double eps, double weightDecay) {
    super(parameters, learningRate, beta1, beta2, eps, weightDecay, true);
  }

  /** PyTorch's defaults: betas (0.9, 0.999), eps 1e-8, weight decay 0.01. */
  public static AdamW withDefaults(List<Parameter> parameters, double learningRate) {
    return new AdamW(parameters, learningRate, 0.9, 0.999, 1e-8, 0.01);
  }
}
