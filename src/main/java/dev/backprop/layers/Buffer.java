package dev.backprop.layers;

import dev.backprop.tensor.Tensor;

/**
 * Layer state that is saved with the model but not trained (BatchNorm's running statistics). {@code integer}
 * marks counters that PyTorch stores as int64, such as {@code num_batches_tracked}; they are kept here as exact
 * small integers in a float tensor and exported as int64.
 */
public record Buffer(String name, Tensor value, boolean integer) {}
