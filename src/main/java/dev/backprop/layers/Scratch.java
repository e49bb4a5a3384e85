package dev.backprop.layers;

import dev.backprop.tensor.Tensor;

/** The buffers a layer keeps from batch to batch, so that a steady training loop allocates nothing. */
final class Scratch {
  private Scratch() {}

  /** {@code count} buffers of {@code length} floats (per worker, or per chunk), reusing {@code reuse} if it fits. */
  static float[][] buffers(float[][] reuse, int count, int length) {
    if (reuse != null && reuse.length == count && (count == 0 || reuse[0].length == length)) {
      return reuse;
    }
    float[][] buffers = new float[count][];
    for (int i = 0; i < count; i++) {
      buffers[i] = new float[length];
    }
    return buffers;
  }

  /** A tensor shaped like {@code like}, reusing {@code reuse} or its buffer ({@link Tensor#reuseOrAllocate}). */
  static Tensor like(Tensor reuse, Tensor like) {
    return reuse != null && Shapes.same(reuse, like) ? reuse : Tensor.reuseOrAllocate(reuse, like.shape());
  }
}
