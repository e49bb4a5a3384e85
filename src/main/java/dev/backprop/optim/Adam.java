package dev.backprop.optim;

import dev.backprop.layers.Parameter;
import java.util.List;

/**
 * Adam, exactly torch.optim.Adam (1.13, amsgrad off). Per element, at step t = 1, 2, ..., with g the gradient:
 *
 * <pre>
 * g = g + weightDecay * p                       (weight decay is L2, added to the gradient)
 * m = beta1 * m + (1 - beta1) * g
 * v = beta2 * v + (1 - beta2) * g * g
 * p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 * </pre>
 *
 * Bias corrections in double, element arithmetic in float32 rounded as PyTorch's CPU kernels round it (bit for bit
 * on the golden fixtures). {@link #momentum()} is beta1, read at every step so that {@link OneCycleLR} can cycle
 * it. For decoupled weight decay use {@link AdamW}.
 */
public final class Adam extends AdamBase {

  public Adam(
      List<Parameter> parameters, double learningRate, double beta1, double beta2, double eps, double weightDecay) {
    super(parameters, learningRate, beta1, beta2, eps, weightDecay, false);
  }

  /** PyTorch's defaults: betas (0.9, 0.999), eps 1e-8, no weight decay. */
  public static Adam withDefaults(List<Parameter> parameters, double learningRate) {
    return new Adam(parameters, learningRate, 0.9, 0.999, 1e-8, 0);
  }
}
