package dev.backprop.loss;

import dev.backprop.tensor.Tensor;
import java.util.Arrays;

/** Input checks shared by the losses. */
final class Losses {
  private Losses() {}

  /** Checks [N, C] scores against N labels in [0, C). */
  static void checkClassification(Tensor input, int[] labels, String loss) {
    if (input.rank() != 2) {
      throw new IllegalArgumentException(loss + " expects [N, C] input, got " + Arrays.toString(input.shape()));
    }
    if (labels.length != input.dim(0)) {
      throw new IllegalArgumentException(
          loss + ": " + labels.length + " labels for a batch of " + input.dim(0));
    }
    if (input.dim(0) == 0) {
      throw new IllegalArgumentException(loss + ": empty batch");
    }
    int classes = input.dim(1);
    for (int label : labels) {
      if (label < 0 || label >= classes) {
        throw new IllegalArgumentException(loss + ": label " + label + " outside [0, " + classes + ")");
      }
    }
  }

  static int[] copyLabels(int[] reuse, int[] labels) {
    int[] copy = reuse != null && reuse.length == labels.length ? reuse : new int[labels.length];
    System.arraycopy(labels, 0, copy, 0, labels.length);
    return copy;
  }
}
