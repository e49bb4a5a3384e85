package dev.backprop.layers;

import dev.backprop.tensor.Rng;
import dev.backprop.tensor.Tensor;

/** PyTorch's default initialisations, so a fresh model starts from the same distribution as torch.nn's. */
public final class Init {
  private Init() {}

  /**
   * torch.nn.init.kaiming_uniform_(w, a): U(-b, b) with b = gain·√(3 / fanIn), gain = √(2 / (1 + a²)). Conv2d and
   * Linear use a = √5, which makes b = 1/√fanIn.
   */
  public static void kaimingUniform(Tensor w, int fanIn, double a, Rng rng) {
    double gain = Math.sqrt(2.0 / (1.0 + a * a));
    double bound = gain * Math.sqrt(3.0 / fanIn);
    rng.uniform(w.data(), -bound, bound);
  }

  /** A convolution's weight of the given shape, initialised as PyTorch's: kaimingUniform with a = √5. */
  static Parameter convolutionWeight(int fanIn, Rng rng, int... shape) {
    Parameter weight = new Parameter("weight", Tensor.zeros(shape));
    kaimingUniform(weight.value(), fanIn, Math.sqrt(5.0), rng);
    return weight;
  }

  /** A bias of the given size, initialised as PyTorch's ({@link #fanInUniform}). */
  static Parameter bias(int size, int fanIn, Rng rng) {
    Parameter bias = new Parameter("bias", Tensor.zeros(size));
    fanInUniform(bias.value(), fanIn, rng);
    return bias;
  }

  /** U(-1/√fanIn, 1/√fanIn): the default bias of Conv2d and Linear. */
  public static void fanInUniform(Tensor b, int fanIn, Rng rng) {
    double bound = 1.0 / Math.sqrt(fanIn);
    rng.uniform(b.data(), -bound, bound);
  }
}
