package dev.backprop.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.backprop.UserError;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * maxLr 1, 10 steps, pctStart 0.5, divFactor 10, finalDivFactor 100: initialLr 0.1, minLr 0.001, the warm-up
 * ends at step 0.5 * 10 - 1 = 4, the annealing at step 9.
 */
class OneCycleLRTest {
  private static final double TOL = 1e-12;

  private static OneCycleLR schedule(Optimizer optimizer, OneCycleLR.Anneal anneal) {
    return new OneCycleLR(optimizer, 1.0, 10, 0.5, anneal, 10, 100, true, 0.85, 0.95);
  }

  @Test
  void cosineCycleByHand() {
    Sgd sgd = Sgd.withMomentum(List.of(Params.of(1f)), 0.5, 0.5);
    OneCycleLR s = schedule(sgd, OneCycleLR.Anneal.COS);
    double[] lr = new double[11];
    double[] momentum = new double[11];
    for (int k = 0; k <= 10; k++) {
      lr[k] = sgd.learningRate();
      momentum[k] = sgd.momentum();
      if (k < 10) {
        s.step();
      }
    }
    assertThat(lr[0]).isCloseTo(0.1, within(TOL)); // construction: maxLr / divFactor
    assertThat(momentum[0]).isCloseTo(0.95, within(TOL)); // and maxMomentum
    // k = 1: pct 1/4, lr = 1 + (0.1 - 1) / 2 * (cos(pi / 4) + 1) = 1 - 0.45 * 1.70710678
    assertThat(lr[1]).isCloseTo(1 - 0.45 * (Math.sqrt(0.5) + 1), within(TOL));
    assertThat(lr[2]).isCloseTo(0.55, within(TOL)); // pct 1/2: halfway
    assertThat(momentum[2]).isCloseTo(0.90, within(TOL));
    assertThat(lr[4]).isCloseTo(1.0, within(TOL)); // end of warm-up: maxLr, baseMomentum
    assertThat(momentum[4]).isCloseTo(0.85, within(TOL));
    // k = 6: pct (6 - 4) / 5 = 0.4, lr = 0.001 + 0.999 / 2 * (cos(0.4 pi) + 1)
    assertThat(lr[6]).isCloseTo(0.001 + 0.4995 * (1 + Math.cos(0.4 * Math.PI)), within(TOL));
    assertThat(lr[9]).isCloseTo(0.001, within(TOL)); // end: minLr = 0.1 / 100, maxMomentum
    assertThat(momentum[9]).isCloseTo(0.95, within(TOL));
    // k = 10, allowed as in PyTorch: pct 1.2 runs past the end of the cosine, back up to 0.0963960
    assertThat(lr[10]).isCloseTo(0.001 + 0.4995 * (1 + Math.cos(1.2 * Math.PI)), within(TOL));
    assertThat(s.stepCount()).isEqualTo(10);
    assertThat(s.lastLearningRate()).isEqualTo(lr[10]);
    assertThatThrownBy(s::step)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("Tried to step 12 times. The specified number of total steps is 10");
  }

  @Test
  void linearCycleByHand() {
    Sgd sgd = Sgd.withMomentum(List.of(Params.of(1f)), 0.5, 0.5);
    OneCycleLR s = schedule(sgd, OneCycleLR.Anneal.LINEAR);
    s.step(); // pct 1/4: 0.1 + 0.9 / 4
    assertThat(sgd.learningRate()).isCloseTo(0.325, within(TOL));
    assertThat(sgd.momentum()).isCloseTo(0.925, within(TOL));
    for (int k = 2; k <= 6; k++) {
      s.step();
    } // k = 6: pct 0.4 from 1 to 0.001
    assertThat(sgd.learningRate()).isCloseTo(1 - 0.4 * 0.999, within(TOL));
  }

  @Test
  void cyclesAdamsBeta1() {
    Adam adam = Adam.withDefaults(List.of(Params.of(1f)), 1e-3);
    OneCycleLR s = OneCycleLR.withDefaults(adam, 0.05, 100);
    assertThat(adam.learningRate()).isCloseTo(0.002, within(TOL));
    assertThat(adam.beta1()).isEqualTo(0.95);
    for (int k = 0; k < 29; k++) {
      s.step();
    } // defaults: warm-up ends at 0.3 * 100 - 1 = 29
    assertThat(adam.learningRate()).isCloseTo(0.05, within(TOL));
    assertThat(adam.beta1()).isCloseTo(0.85, within(TOL));
    assertThat(adam.beta2()).isEqualTo(0.999);
  }

  @Test
  void withoutCycleMomentumTheMomentumIsLeftAlone() {
    Sgd sgd = Sgd.withMomentum(List.of(Params.of(1f)), 0.5, 0.5);
    OneCycleLR s = new OneCycleLR(sgd, 1.0, 10, 0.5, 10, 100, false, 0.85, 0.95);
    s.step();
    assertThat(sgd.momentum()).isEqualTo(0.5);
  }

  @Test
  void epochsTimesStepsPerEpoch() {
    Sgd sgd = Sgd.withMomentum(List.of(Params.of(1f)), 0.5, 0.9);
    assertThat(OneCycleLR.withDefaults(sgd, 0.05, 3, 7).totalSteps()).isEqualTo(21);
  }

  @Test
  void refusesPhasesOfZeroLength() {
    Sgd sgd = Sgd.withMomentum(List.of(Params.of(1f)), 0.5, 0.9);
    assertThatThrownBy(() -> new OneCycleLR(sgd, 1, 10, 0.1, 25, 1e4, true, 0.85, 0.95))
        .isInstanceOf(UserError.class)
        .hasMessageContaining("warm-up of zero length");
    assertThatThrownBy(() -> new OneCycleLR(sgd, 1, 10, 1.0, 25, 1e4, true, 0.85, 0.95))
        .hasMessageContaining("annealing phase of zero length");
    assertThatThrownBy(() -> OneCycleLR.withDefaults(sgd, 1, 0)).hasMessageContaining("positive number of total steps");
  }

  /**
   * The allocation-free cos(π·pct) stays within 4e-16 of fdlibm's over [0, 1], reduction boundaries included: both
   * take the cosine of π·pct rounded differently (by up to an ulp of π, 4.4e-16, where cos' = 1 at most).
   */
  @Test
  void cosPiIsCloseToStrictMath() {
    for (int i = 0; i <= 100_000; i++) {
      double pct = i / 100_000.0;
      double want = StrictMath.cos(Math.PI * pct);
      assertThat(Math.abs(OneCycleLR.cosPi(pct) - want)).as("cos(pi * %s)", pct)
          .isLessThanOrEqualTo(4e-16);
    }
  }
}
