package dev.backprop.layers;

import dev.backprop.tensor.Rng;
import dev.backprop.tensor.Tensor;
import java.util.Arrays;

/**
 * Channel-wise inverted dropout, as torch.nn.Dropout2d(p): each (sample, channel) plane is kept whole or zeroed.
 * The mask is [N, C, 1, 1] (for [N, C, H, W] input); the scheme is described in {@link AbstractDropout}
 * (unit = channel).
 */
public final class Dropout2d extends AbstractDropout {

  /** {@code rng} supplies this layer's mask seed (one draw). */
  public Dropout2d(double p, Rng rng) {
    super(p, rng);
  }

  @Override
  int units(Tensor x) {
    return x.dim(1);
  }

  @Override
  int[] maskShape(Tensor x) {
    int[] shape = new int[x.rank()];
    Arrays.fill(shape, 1);
    shape[0] = x.dim(0);
    shape[1] = x.dim(1);
    return shape;
  }

  @Override
  public String toString() {
    return "Dropout2d(p=" + p() + ", inplace=False)";
  }
}
