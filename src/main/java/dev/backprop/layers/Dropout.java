package dev.backprop.layers;

import dev.backprop.tensor.Rng;
import dev.backprop.tensor.Tensor;

/** Elementwise inverted dropout, as torch.nn.Dropout(p); the mask scheme is described in {@link AbstractDropout}. */
public final class Dropout extends AbstractDropout {

  /** {@code rng} supplies this layer's mask seed (one draw). */
  public Dropout(double p, Rng rng) {
    super(p, rng);
  }

  @Override
  int units(Tensor x) {
    return x.dim(0) == 0 ? 0 : x.size() / x.dim(0);
  }

  @Override
  int[] maskShape(Tensor x) {
    return x.shape();
  }

  @Override
  public String toString() {
    return "Dropout(p=" + p() + ", inplace=False)";
  }
}
