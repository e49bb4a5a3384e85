package dev.backprop.sheet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class GradientCheckTest {

  @Test
  void formulasMatchCentralDifferencesAtTheStart() {
    assertThat(GradientCheck.maxDifference(WorkedExample.course(), WorkedExample.course().initialWeights()))
        .isLessThan(GradientCheck.TOLERANCE);
    assertThat(GradientCheck.maxDifference(WorkedExample.mazur(), WorkedExample.mazur().initialWeights()))
        .isLessThan(GradientCheck.TOLERANCE);
  }

  @Test
  void formulasMatchCentralDifferencesAtRandomPointsWithAndWithoutBiases() {
    Random random = new Random(20240611);
    for (int trial = 0; trial < 200; trial++) {
      Example example = new Example(uniform(random, 1), uniform(random, 1),
          random.nextDouble(), random.nextDouble());
      Weights weights = new Weights(uniform(random, 2), uniform(random, 2), uniform(random, 2),
          uniform(random, 2), uniform(random, 2), uniform(random, 2), uniform(random, 2),
          uniform(random, 2), uniform(random, 1), uniform(random, 1));
      WorkedExample withBiases = new WorkedExample(example, weights, true, trial % 2 == 0);
      WorkedExample withoutBiases = new WorkedExample(example,
          weights.with(Parameter.B1, 0).with(Parameter.B2, 0), false, false);

      assertThat(GradientCheck.maxDifference(withBiases, weights)).as("trial %d with biases", trial)
          .isLessThan(GradientCheck.TOLERANCE);
      assertThat(GradientCheck.maxDifference(withoutBiases, withoutBiases.initialWeights()))
          .as("trial %d without biases", trial).isLessThan(GradientCheck.TOLERANCE);
    }
  }

  @Test
  void centralDifferenceSeesEachParameterSeparately() {
    WorkedExample mazur = WorkedExample.mazur();
    Gradients formulas = Step.at(0, mazur.example(), mazur.initialWeights()).gradients();

    for (Parameter parameter : Parameter.values()) {
      assertThat(GradientCheck.centralDifference(mazur.example(), mazur.initialWeights(), parameter))
          .as(parameter.label()).isCloseTo(formulas.get(parameter), within(1e-10));
    }
  }

  @Test
  void onlyDifferencesBelowTheTolerancePass() {
    assertThat(GradientCheck.passes(5e-13)).isTrue();
    assertThat(GradientCheck.passes(GradientCheck.TOLERANCE)).isFalse();
    assertThat(GradientCheck.passes(Double.NaN)).isFalse();
  }

  private static double uniform(Random random, double bound) {
    return (2 * random.nextDouble() - 1) * bound;
  }
}
