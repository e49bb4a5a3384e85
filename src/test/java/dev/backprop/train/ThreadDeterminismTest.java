package dev.backprop.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backprop.data.MnistSet;
import dev.backprop.tensor.Parallel;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Training gives the same bits with 1, 2 or 3 threads: a few batches of SGD with momentum and one-cycle (with
 * augmentation, dropout and a smaller last batch), then every parameter, gradient, BatchNorm buffer, batch loss
 * and an eval-mode output compared with {@code Arrays.equals}; for ref15k and for a model with the other layers
 * ({@link FewSteps}). {@link SameBitsEverywhereTest} does the same across vector widths and kernels.
 */
class ThreadDeterminismTest {

  @AfterEach
  void restoreDefault() {
    Parallel.setThreads(Runtime.getRuntime().availableProcessors());
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"ref15k", FewSteps.OTHER_LAYERS})
  void trainingIsBitIdenticalWithOneTwoAndThreeThreads(String model) {
    MnistSet images = FewSteps.images();
    FewSteps.Outcome one = FewSteps.train(model, images, 1);
    for (int threads : new int[] {2, 3}) {
      FewSteps.Outcome other = FewSteps.train(model, images, threads);
      assertThat(other.losses()).as("batch losses with %d threads", threads).isEqualTo(one.losses());
      assertThat(other.state().keySet()).isEqualTo(one.state().keySet());
      for (String name : one.state().keySet()) {
        assertThat(Arrays.equals(other.state().get(name), one.state().get(name)))
            .as("%s of %s with %d threads equals 1 thread's, bit for bit", name, model, threads).isTrue();
      }
      assertThat(Arrays.equals(other.evalOutput(), one.evalOutput()))
          .as("eval output with %d threads", threads).isTrue();
    }
    assertThat(one.losses()).hasSize(3).allSatisfy(loss -> assertThat(loss).isFinite());
  }

}
