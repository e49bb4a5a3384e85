package dev.backprop.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.backprop.UserError;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StepLRTest {

  @Test
  void decaysEveryStepSizeEpochs() {
    Sgd sgd = Sgd.plain(List.of(Params.of(1f)), 1.0);
    StepLR schedule = new StepLR(sgd, 3, 0.5);
    List<Double> lrs = new ArrayList<>();
    for (int epoch = 0; epoch < 8; epoch++) {
      lrs.add(sgd.learningRate());
      schedule.step();
    }
    assertThat(lrs).containsExactly(1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25);
    assertThat(schedule.stepCount()).isEqualTo(8);
    assertThat(schedule.lastLearningRate()).isEqualTo(0.25);
  }

  @Test
  void constructionLeavesTheLearningRateAlone() {
    Sgd sgd = Sgd.plain(List.of(Params.of(1f)), 0.3);
    StepLR schedule = new StepLR(sgd, 1, 0.1);
    assertThat(sgd.learningRate()).isEqualTo(0.3);
    assertThat(schedule.stepCount()).isZero();
    schedule.step();
    assertThat(sgd.learningRate()).isEqualTo(0.3 * 0.1);
  }

  @Test
  void refusesAZeroStepSize() {
    Sgd sgd = Sgd.plain(List.of(Params.of(1f)), 0.3);
    assertThatThrownBy(() -> new StepLR(sgd, 0, 0.1)).isInstanceOf(UserError.class).hasMessageContaining("step size");
  }
}
