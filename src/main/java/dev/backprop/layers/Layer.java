package dev.backprop.layers;

import dev.backprop.tensor.Tensor;
import java.util.List;

/**
 * One step of a model. {@code forward} caches what {@code backward} needs; {@code backward} takes dLoss/dOutput
 * for the last forward, <em>adds</em> dLoss/dParameter into each parameter's gradient buffer, and returns
 * dLoss/dInput. Shapes include the batch dimension; per-sample shapes (C, H, W) are used by
 * {@link #outputShape}.
 *
 * <p>A layer never modifies its input or the gradient it is given. The tensors it returns are its own buffers,
 * overwritten by its next forward / backward (identity layers such as Dropout in eval mode return their argument
 * itself). Layers that keep their input for backward (Conv2d, Linear, BatchNorm2d) need it unchanged until
 * then.
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

  /** Trainable parameters (sum of the parameter sizes): torchsummary's "Trainable params". */
  default long parameterCount() {
    long count = 0;
    for (Parameter p : parameters()) {
      count += p.size();
    }
    return count;
  }

  /** Elements of saved, untrained state (BatchNorm running statistics and counters); not in parameterCount. */
  default long bufferCount() {
    long count = 0;
    for (Buffer b : buffers()) {
      count += b.value().size();
    }
    return count;
  }
}
