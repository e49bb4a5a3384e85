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

  /** The channel count a layer was built for; {@code what} names them ("channels", "input channels"). */
  static void requireChannels(int got, int expected, String layer, String what) {
    if (got != expected) {
      throw new IllegalArgumentException(layer + " expects " + expected + " " + what + ", got " + got);
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
}
