package dev.backprop.layers;

import dev.backprop.tensor.Tensor;
import java.util.Arrays;

/** Shape checks shared by the layers; messages name the layer and both shapes. */
final class Shapes {
  private Shapes() {}

  static void requireRank(Tensor t, int rank, String layer) {
    if (t.rank() != rank) {
      throw new IllegalArgumentException(
          layer + " expects a rank-" + rank + " input, got " + Arrays.toString(t.shape()));
    }
  }

  static boolean same(Tensor a, Tensor b) {
    if (a.rank() != b.rank()) {
      return false;
    }
    for (int i = 0; i < a.rank(); i++) {
      if (a.dim(i) != b.dim(i)) {
        return false;
      }
    }
    return true;
  }

  /** Backward must get a gradient shaped like the output of the last forward. */
  static void requireGradient(Tensor gradOutput, Tensor output, String layer) {
    if (output == null) {
      throw new IllegalStateException(layer + ".backward called before forward");
    }
    if (!same(gradOutput, output)) {
      throw new IllegalArgumentException(
          layer
              + ".backward: gradient "
              + Arrays.toString(gradOutput.shape())
              + " does not match output "
              + Arrays.toString(output.shape()));
    }
  }

  /**
   * Elements a parallel chunk of light elementwise work should hold: below this a loop is not worth splitting
   * (a hand-off to a worker costs microseconds), above it the chunks balance well over a few threads.
   */
  static final int ELEMENTS_PER_CHUNK = 1 << 14;

  /** Items per chunk for items of {@code itemSize} elements each, by {@link #ELEMENTS_PER_CHUNK}. */
  static int grain(int itemSize) {
    return Math.max(1, ELEMENTS_PER_CHUNK / Math.max(1, itemSize));
  }

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
    return reuse != null && same(reuse, like) ? reuse : Tensor.reuseOrAllocate(reuse, like.shape());
  }
}
