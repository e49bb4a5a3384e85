package dev.backprop.loss;

import dev.backprop.tensor.Tensor;

/**
 * A loss over a batch of class scores [N, C] and integer labels (0 ≤ label < C), averaged over the batch.
 * {@link #backward()} returns dLoss/dInput for the last {@link #forward} (loss seed 1) in a buffer the loss reuses.
 */
public interface ClassificationLoss {

  double forward(Tensor input, int[] labels);

  Tensor backward();
}
