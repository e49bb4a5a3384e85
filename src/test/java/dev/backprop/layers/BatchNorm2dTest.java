package dev.backprop.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import dev.backprop.reference.DTensor;
import dev.backprop.reference.RefBatchNorm2d;
import dev.backprop.tensor.Rng;
import dev.backprop.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** BatchNorm2d state: initial values, running-statistics update (PyTorch's rule), eval mode, errors. */
class BatchNorm2dTest {

  @Test
  void startsLikePyTorch() {
    BatchNorm2d bn = new BatchNorm2d(3);
    assertThat(bn.weight().value().data()).containsExactly(1f, 1f, 1f);
    assertThat(bn.bias().value().data()).containsExactly(0f, 0f, 0f);
    assertThat(bn.runningMean().data()).containsExactly(0f, 0f, 0f);
    assertThat(bn.runningVar().data()).containsExactly(1f, 1f, 1f);
    assertThat(bn.numBatchesTracked()).isZero();
    assertThat(bn.parameters()).extracting(Parameter::name).containsExactly("weight", "bias");
    List<Buffer> buffers = bn.buffers();
    assertThat(buffers).extracting(Buffer::name).containsExactly("running_mean", "running_var", "num_batches_tracked");
    assertThat(buffers).extracting(Buffer::integer).containsExactly(false, false, true);
    assertThat(buffers.get(2).value().rank()).as("num_batches_tracked is a 0-dim scalar").isZero();
    assertThat(bn.parameterCount()).isEqualTo(6);
    assertThat(bn.bufferCount()).isEqualTo(7);
  }

  @Test
  void workedNumbers() {
    // one channel holding 1, 2, 3, 4: mean 2.5, biased variance 1.25, unbiased 5/3
    BatchNorm2d bn = new BatchNorm2d(1);
    Tensor y = bn.forward(Tensor.wrap(new float[] {1, 2, 3, 4}, 1, 1, 2, 2), true);
    double rstd = 1 / Math.sqrt(1.25 + 1e-5);
    assertThat(y.data()[0]).isCloseTo((float) (-1.5 * rstd), offset(1e-6f));
    assertThat(y.data()[3]).isCloseTo((float) (1.5 * rstd), offset(1e-6f));
    assertThat(bn.runningMean().data()[0]).isCloseTo(0.25f, offset(1e-7f));
    assertThat(bn.runningVar().data()[0]).isCloseTo((float) (0.9 + 0.1 * 5.0 / 3), offset(1e-6f));
    assertThat(bn.numBatchesTracked()).isEqualTo(1);
  }

  @Test
  void runningStatisticsFollowPyTorchsUpdate() {
    Rng rng = new Rng(3);
    BatchNorm2d bn = new BatchNorm2d(4);
    double[] mean = {0, 0, 0, 0};
    double[] var = {1, 1, 1, 1};
    for (int step = 1; step <= 3; step++) {
      Tensor x = Tensor.zeros(3, 4, 2, 5);
      rng.gaussian(x.data(), step, 2); // a shifting mean, so the update is visible
      bn.forward(x, true);
      DTensor xd = DTensor.of(x);
      double[] batchMean = RefBatchNorm2d.batchMean(xd);
      double[] unbiased = RefBatchNorm2d.batchVar(xd, batchMean, true);
      for (int c = 0; c < 4; c++) {
        mean[c] = 0.9 * mean[c] + 0.1 * batchMean[c];
        var[c] = 0.9 * var[c] + 0.1 * unbiased[c];
        assertThat((double) bn.runningMean().data()[c]).isCloseTo(mean[c], offset(1e-6 * (1 + Math.abs(mean[c]))));
        assertThat((double) bn.runningVar().data()[c]).isCloseTo(var[c], offset(1e-6 * var[c]));
      }
      assertThat(bn.numBatchesTracked()).isEqualTo(step);
    }
  }

  @Test
  void evalUsesRunningStatisticsAndChangesNothing() {
    BatchNorm2d bn = new BatchNorm2d(2);
    bn.runningMean().data()[0] = 0.5f;
    bn.runningMean().data()[1] = -1f;
    bn.runningVar().data()[0] = 4f;
    bn.runningVar().data()[1] = 0.25f;
    bn.weight().value().data()[1] = 3f;
    bn.bias().value().data()[1] = 0.5f;
    Tensor x = Tensor.wrap(new float[] {2.5f, 0.5f, -1f, 0f}, 1, 2, 1, 2);
    Tensor y = bn.forward(x, false);
    assertThat(y.data()[0]).isCloseTo((float) (2 / Math.sqrt(4 + 1e-5)), offset(1e-6f));
    assertThat(y.data()[1]).isCloseTo(0f, offset(1e-6f));
    assertThat(y.data()[2]).isCloseTo(0.5f, offset(1e-6f));
    assertThat(y.data()[3]).isCloseTo((float) (3 * 1 / Math.sqrt(0.25 + 1e-5) + 0.5), offset(1e-5f));
    assertThat(bn.runningMean().data()).containsExactly(0.5f, -1f);
    assertThat(bn.runningVar().data()).containsExactly(4f, 0.25f);
    assertThat(bn.numBatchesTracked()).isZero();
  }

  @Test
  void trainingNeedsMoreThanOneValuePerChannel() {
    BatchNorm2d bn = new BatchNorm2d(2);
    assertThatThrownBy(() -> bn.forward(Tensor.zeros(1, 2, 1, 1), true))
        .hasMessageContaining("more than 1 value per channel");
    assertThat(bn.forward(Tensor.zeros(1, 2, 1, 1), false).shape()).containsExactly(1, 2, 1, 1);
    assertThatThrownBy(() -> bn.forward(Tensor.zeros(2, 3, 2, 2), true)).hasMessageContaining("2 channels");
  }
}
