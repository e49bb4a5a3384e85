package dev.backprop.train;

import dev.backprop.tensor.Tensor;

/** Reading class decisions off a [N, classes] output of scores or log-probabilities. */
public final class Predictions {
  private Predictions() {}

  /** The highest-scoring class of row {@code row}; the first one on ties, like torch.argmax. */
  public static int argmax(Tensor output, int row) {
    int classes = output.dim(1);
    float[] data = output.data();
    int offset = row * classes;
    int best = 0;
    for (int c = 1; c < classes; c++) {
      if (data[offset + c] > data[offset + best]) {
        best = c;
      }
    }
    return best;
  }

  public static int countCorrect(Tensor output, int[] labels) {
    int correct = 0;
    for (int i = 0; i < output.dim(0); i++) {
      if (argmax(output, i) == labels[i]) {
        correct++;
      }
    }
    return correct;
  }
}
