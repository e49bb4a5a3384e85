package dev.backprop.sheet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Locale;
import org.junit.jupiter.api.Test;

class WorkedExampleTest {

  private static final LearningRate HALF = new LearningRate("0.5", 0.5);

  @Test
  void courseExampleStartsAtTheCourseError() {
    ForwardPass start = ForwardPass.of(WorkedExample.course().example(), WorkedExample.course().initialWeights());

    assertThat(String.format(Locale.ROOT, "%.6f", start.eTotal())).isEqualTo("0.014181");
  }

  @Test
  void mazurPresetStartsAtHisPublishedError() {
    WorkedExample mazur = WorkedExample.mazur();

    double eTotal = ForwardPass.of(mazur.example(), mazur.initialWeights()).eTotal();

    assertThat(String.format(Locale.ROOT, "%.9f", eTotal)).isEqualTo("0.298371109");
  }

  @Test
  void mazurFirstUpdateGivesHisPublishedW5() {
    // Mazur: "w5+ = 0.35891648" after one update with η = 0.5 and the biases left alone. Checked
    // independently with python3: 0.4 - 0.5 * 0.08216704056423078 = 0.35891647971788465.
    Weights next = WorkedExample.mazur().descend(HALF, 1).steps().get(1).weights();

    assertThat(String.format(Locale.ROOT, "%.8f", next.w5())).isEqualTo("0.35891648");
    assertThat(next.w5()).isCloseTo(0.35891647971788465, within(1e-15));
    assertThat(next.b1()).isEqualTo(0.35);
    assertThat(next.b2()).isEqualTo(0.6);
  }

  @Test
  void firstUpdateMatchesAHandComputedStep() {
    // Computed once, independently of this code, with plain python3 floats: the forward pass written out
    // line by line, the eight gradients from the chain rule, then w - 0.5 * dE/dw.
    double[] expected = {
      0.14984150330204485, 0.19968300660408972, 0.24982411183920464, 0.29964822367840926,
      0.3935595906841859, 0.4435119575446507, 0.49229582585911347, 0.5422388459400027
    };

    Trajectory trajectory = WorkedExample.course().descend(HALF, 1);

    Weights next = trajectory.last().weights();
    for (Parameter parameter : Parameter.WEIGHTS) {
      assertThat(next.get(parameter)).as(parameter.label())
          .isCloseTo(expected[parameter.ordinal()], within(1e-15));
    }
    assertThat(trajectory.steps()).hasSize(2);
    assertThat(trajectory.first().weights()).isEqualTo(WorkedExample.course().initialWeights());
  }

  @Test
  void courseExampleAfterAHundredStepsMatchesAnIndependentRun() {
    // The same python3 script, iterated 100 times per learning rate.
    assertThat(WorkedExample.course().descend(new LearningRate("0.1", 0.1), 100).last().forward().eTotal())
        .isCloseTo(0.007847396737202549, within(1e-15));
    assertThat(WorkedExample.course().descend(new LearningRate("2.0", 2.0), 100).last().forward().eTotal())
        .isCloseTo(2.5467999284577143e-08, within(1e-18));
  }

  @Test
  void everyStepIsComputedFromItsOwnWeights() {
    Trajectory trajectory = WorkedExample.mazur().descend(HALF, 5);

    for (Step step : trajectory.steps()) {
      assertThat(step).isEqualTo(Step.at(step.index(), WorkedExample.mazur().example(), step.weights()));
    }
    for (int i = 1; i < trajectory.steps().size(); i++) {
      Step previous = trajectory.steps().get(i - 1);
      assertThat(trajectory.steps().get(i).weights())
          .isEqualTo(previous.weights().descend(0.5, previous.gradients(), false));
    }
  }

  @Test
  void biasesMoveOnlyWhenTrained() {
    WorkedExample mazur = WorkedExample.mazur();
    WorkedExample trained = new WorkedExample(mazur.example(), mazur.initialWeights(), true, true);

    Weights fixed = mazur.descend(HALF, 3).last().weights();
    Weights moved = trained.descend(HALF, 3).last().weights();

    assertThat(fixed.b1()).isEqualTo(0.35);
    assertThat(moved.b1()).isNotEqualTo(0.35);
    assertThat(moved.b2()).isNotEqualTo(0.6);
    assertThat(trained.trainedParameters()).contains(Parameter.B1, Parameter.B2);
    assertThat(mazur.trainedParameters()).containsExactlyElementsOf(Parameter.WEIGHTS);
  }

  @Test
  void outputDeltaIsTheChainOfErrorAndSigmoidDerivatives() {
    WorkedExample course = WorkedExample.course();
    Step start = Step.at(0, course.example(), course.initialWeights());
    double aO1 = start.forward().aO1();

    assertThat(start.deltas().deltaO1()).isEqualTo((aO1 - 0.5) * aO1 * (1 - aO1));
    assertThat(start.gradients().w5()).isEqualTo(start.deltas().deltaO1() * start.forward().aH1());
  }
}
