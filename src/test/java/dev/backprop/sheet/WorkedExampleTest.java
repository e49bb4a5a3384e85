package dev.backprop.sheet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.backprop.layers.Linear;
import dev.backprop.layers.Sequential;
import dev.backprop.layers.Sigmoid;
import dev.backprop.loss.SumSquaresLoss;
import dev.backprop.tensor.Rng;
import dev.backprop.tensor.Tensor;
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

  /**
   * Each step moves every weight by −η times a central finite difference of E_total at the step's weights: the
   * descent checked without the chain-rule formulas it uses.
   */
  @Test
  void eachStepMovesEveryWeightAgainstItsFiniteDifference() {
    WorkedExample trained = new WorkedExample(WorkedExample.mazur().example(), WorkedExample.mazur().initialWeights(),
        true, true);
    for (WorkedExample network : new WorkedExample[] {WorkedExample.course(), trained}) {
      Trajectory trajectory = network.descend(HALF, 20);
      for (int i = 1; i < trajectory.steps().size(); i++) {
        Weights before = trajectory.steps().get(i - 1).weights();
        Weights after = trajectory.steps().get(i).weights();
        for (Parameter parameter : network.trainedParameters()) {
          double fd = GradientCheck.centralDifference(network.example(), before, parameter);
          assertThat(after.get(parameter)).as("%s at step %d", parameter.label(), i)
              .isCloseTo(before.get(parameter) - 0.5 * fd, within(1e-10));
        }
      }
    }
  }

  /** The closed forms against central finite differences at every step of a long, fast descent (η = 2). */
  @Test
  void gradientsEqualFiniteDifferencesAlongTheWholeTrajectory() {
    WorkedExample trained = new WorkedExample(WorkedExample.mazur().example(), WorkedExample.mazur().initialWeights(),
        true, true);
    for (WorkedExample network : new WorkedExample[] {WorkedExample.course(), WorkedExample.mazur(), trained}) {
      for (Step step : network.descend(new LearningRate("2.0", 2.0), 100).steps()) {
        assertThat(GradientCheck.maxDifference(network, step.weights())).as("step %d", step.index())
            .isLessThan(GradientCheck.TOLERANCE);
      }
    }
  }

  /**
   * The worked example's gradients are what the engine's own layers give: Linear (no bias) → Sigmoid → Linear →
   * Sigmoid with the sum-of-squares loss, in float32, so within float rounding (1e-6 of the largest gradient).
   */
  @Test
  void gradientsEqualTheEnginesBackward() {
    WorkedExample course = WorkedExample.course();
    Weights w = course.initialWeights();
    Example x = course.example();
    Linear hidden = new Linear(2, 2, false, new Rng(1));
    Linear output = new Linear(2, 2, false, new Rng(1));
    System.arraycopy(new float[] {(float) w.w1(), (float) w.w2(), (float) w.w3(), (float) w.w4()}, 0,
        hidden.weight().value().data(), 0, 4);
    System.arraycopy(new float[] {(float) w.w5(), (float) w.w6(), (float) w.w7(), (float) w.w8()}, 0,
        output.weight().value().data(), 0, 4);
    Sequential net = new Sequential(hidden, new Sigmoid(), output, new Sigmoid());
    Tensor input = Tensor.zeros(1, 2);
    input.data()[0] = (float) x.i1();
    input.data()[1] = (float) x.i2();
    Tensor target = Tensor.zeros(1, 2);
    target.data()[0] = (float) x.t1();
    target.data()[1] = (float) x.t2();
    SumSquaresLoss loss = new SumSquaresLoss();
    double eTotal = loss.forward(net.forward(input, true), target);
    net.zeroGrad();
    net.backward(loss.backward());

    Gradients formulas = Step.at(0, x, w).gradients();
    assertThat(eTotal).isCloseTo(ForwardPass.of(x, w).eTotal(), within(1e-8));
    float[] engine = new float[8];
    System.arraycopy(hidden.weight().grad().data(), 0, engine, 0, 4);
    System.arraycopy(output.weight().grad().data(), 0, engine, 4, 4);
    double largest = 0;
    for (Parameter parameter : Parameter.WEIGHTS) {
      largest = Math.max(largest, Math.abs(formulas.get(parameter)));
    }
    for (Parameter parameter : Parameter.WEIGHTS) {
      assertThat((double) engine[parameter.ordinal()]).as(parameter.label())
          .isCloseTo(formulas.get(parameter), within(1e-6 * largest));
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

  /** δ_o1 and δ_h1 are what the chain rule says they are: ∂E/∂w5 = δ_o1·a_h1 and ∂E/∂w1 = δ_h1·i1, by finite differences. */
  @Test
  void deltasTimesTheirInputsAreTheFiniteDifferenceGradients() {
    WorkedExample course = WorkedExample.course();
    Step start = Step.at(0, course.example(), course.initialWeights());
    double dw5 = GradientCheck.centralDifference(course.example(), course.initialWeights(), Parameter.W5);
    double dw1 = GradientCheck.centralDifference(course.example(), course.initialWeights(), Parameter.W1);

    assertThat(start.deltas().deltaO1() * start.forward().aH1()).isCloseTo(dw5, within(1e-10));
    assertThat(start.deltas().deltaH1() * course.example().i1()).isCloseTo(dw1, within(1e-10));
  }
}
