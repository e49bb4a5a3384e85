package dev.backprop.loss;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backprop.golden.Golden;
import dev.backprop.io.SafetensorsFile;
import dev.backprop.tensor.Tensor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every loss against PyTorch, one test per {@code golden/loss_*.safetensors} fixture: the loss of {@code input}
 * and {@code target} against {@code output}, and the gradient (upstream gradient 1) against {@code grad_input}.
 *
 * <p>Tolerance: max|ours − torch| ≤ {@link #TOLERANCE} · max|torch|, from the error model of the layers'
 * test: PyTorch sums the loss over the batch and the classes in float32 (ours in double, exact by comparison), k
 * terms off by about √k·u (u = 2^-24), doubled for the tail, and exp/log rounding of a few ulps added:
 * TOLERANCE = (2·√k + 4)·u with k = 60, the largest batch × classes in the fixtures (6 × 10), = 1.2e-6. Measured worst 6e-8
 * (the loss values) and exact gradients except cross-entropy's, 1e-7 (softmax rounding).
 */
class LossGoldenTest {
  /** The most terms a fixture's loss sums: batch × classes. */
  static final int LONGEST_SUM = 60;
  static final double TOLERANCE = (2 * Math.sqrt(LONGEST_SUM) + 4) * 0x1p-24;

  private static final boolean VERBOSE = Boolean.getBoolean("backprop.golden.verbose");

  static List<String> fixtures() {
    return Golden.list("loss_");
  }

  /** The classification loss a fixture's {@code java} entry constructs. */
  static ClassificationLoss classificationLoss(Map<String, String> meta) {
    return Golden.construct(meta.get("java"), "dev.backprop.loss", ClassificationLoss.class);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void matchesPyTorch(String name) {
    SafetensorsFile f = Golden.load(name);
    Map<String, String> meta = f.metadata();
    Tensor input = f.tensor("input");
    double loss;
    Tensor grad;
    if (meta.get("loss").equals("SumSquaresLoss")) {
      SumSquaresLoss sumSquares = new SumSquaresLoss();
      loss = sumSquares.forward(input, f.tensor("target"));
      grad = sumSquares.backward();
    } else {
      assertThat(meta.get("reduction")).as(name + " reduction").isEqualTo("mean");
      ClassificationLoss classification = classificationLoss(meta);
      long[] target = f.longs("target");
      int[] labels = new int[target.length];
      for (int i = 0; i < labels.length; i++) {
        labels[i] = Math.toIntExact(target[i]);
      }
      loss = classification.forward(input, labels);
      grad = classification.backward();
    }
    assertThat(grad.shape()).as(name + " gradient shape").containsExactly(f.shape("grad_input"));
    double lossDiff =
        Golden.assertRelative(name + " loss", f.doubles("output"), new double[] {loss}, TOLERANCE);
    double gradDiff = Golden.assertRelative(name + " grad_input", f.floats("grad_input"), grad.data(), TOLERANCE);
    if (VERBOSE) {
      System.out.printf(
          "%-28s loss %.8f (torch %.8f) rel %.2e   grad_input rel %.2e%n",
          name, loss, f.doubles("output")[0], lossDiff, gradDiff);
    }
  }
}
