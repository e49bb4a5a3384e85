package dev.backprop.layers;

import dev.backprop.tensor.Tensor;
import java.util.List;

/**
 * One step of a model. {@code forward} caches what {@code backward} needs; {@code backward} takes dLoss/dOutput
 * for the last forward, <em>adds</em> dLoss/dParameter into each parameter's gradient buffer, and returns
 * dLoss/dInput. Shapes include the batch dimension; per-sample shapes (C, H, W) are used by
 * {@link #outputShape}.
 */
public interface Layer {

  /** Output shape for one sample of the given per-sample input shape, e.g. [1, 28, 28] -> [8, 26, 26]. */
  int[] outputShape(int[] inputShape);

  Tensor forward(Tensor input, boolean training);

  Tensor backward(Tensor gradOutput);

  default List<Parameter> parameters() {
    return List.of();
  }

  default List<Buffer> buffers() {
    return List.of();
  }
}
