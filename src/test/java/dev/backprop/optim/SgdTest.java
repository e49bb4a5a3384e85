package dev.backprop.optim;

import static dev.backprop.optim.Params.step;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.backprop.UserError;
import dev.backprop.layers.Parameter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** SGD on one-element parameters, the expected values worked by hand. */
class SgdTest {
  private static final float TOL = 1e-6f;

  @Test
  void plainStepIsMinusLearningRateTimesGradient() {
    Parameter p = Params.of(1f, -2f);
    Sgd sgd = Sgd.plain(List.of(p), 0.1);
    step(sgd, p, 0.5f, -1f); // 1 - 0.1 * 0.5, -2 - 0.1 * -1
    assertThat(p.value().data()[0]).isCloseTo(0.95f, within(TOL));
    assertThat(p.value().data()[1]).isCloseTo(-1.9f, within(TOL));
  }

  @Test
  void momentumBufferStartsAsTheFirstGradient() {
    Parameter p = Params.of(1f);
    Sgd sgd = Sgd.withMomentum(List.of(p), 0.1, 0.9);
    step(sgd, p, 1f); // b = 1 (not 0.9 * 0 + 1 * 1 with dampening, not 0.1): p = 1 - 0.1 = 0.9
    assertThat(p.value().data()[0]).isCloseTo(0.9f, within(TOL));
    step(sgd, p, 1f); // b = 0.9 * 1 + 1 = 1.9: p = 0.9 - 0.19 = 0.71
    assertThat(p.value().data()[0]).isCloseTo(0.71f, within(TOL));
  }

  @Test
  void nesterovLooksAheadAlongTheBuffer() {
    Parameter p = Params.of(1f);
    Sgd sgd = new Sgd(List.of(p), 0.1, 0.9, 0, true, 0);
    step(sgd, p, 1f); // b = 1, d = 1 + 0.9 * 1 = 1.9: p = 1 - 0.19 = 0.81
    assertThat(p.value().data()[0]).isCloseTo(0.81f, within(TOL));
    step(sgd, p, 1f); // b = 1.9, d = 1 + 0.9 * 1.9 = 2.71: p = 0.81 - 0.271 = 0.539
    assertThat(p.value().data()[0]).isCloseTo(0.539f, within(TOL));
  }

  @Test
  void dampeningScalesOnlyLaterGradients() {
    Parameter p = Params.of(1f);
    Sgd sgd = new Sgd(List.of(p), 0.1, 0.9, 0.5, false, 0);
    step(sgd, p, 1f); // b = 1: p = 0.9
    step(sgd, p, 1f); // b = 0.9 * 1 + 0.5 * 1 = 1.4: p = 0.9 - 0.14 = 0.76
    assertThat(p.value().data()[0]).isCloseTo(0.76f, within(TOL));
  }

  @Test
  void weightDecayIsL2AddedToTheGradientBeforeMomentum() {
    Parameter p = Params.of(2f);
    Sgd sgd = new Sgd(List.of(p), 0.1, 0.9, 0, false, 0.1);
    step(sgd, p, 0f); // d = 0 + 0.1 * 2 = 0.2, b = 0.2: p = 2 - 0.02 = 1.98
    assertThat(p.value().data()[0]).isCloseTo(1.98f, within(TOL));
    step(sgd, p, 0f); // d = 0.198, b = 0.9 * 0.2 + 0.198 = 0.378: p = 1.98 - 0.0378 = 1.9422
    assertThat(p.value().data()[0]).isCloseTo(1.9422f, within(TOL));
  }

  @Test
  void momentumAndLearningRateCanChangeBetweenSteps() {
    Parameter p = Params.of(1f);
    Sgd sgd = Sgd.withMomentum(List.of(p), 0.1, 0.9);
    step(sgd, p, 1f); // b = 1, p = 0.9
    sgd.setLearningRate(0.2);
    sgd.setMomentum(0.5);
    step(sgd, p, 1f); // b = 0.5 * 1 + 1 = 1.5: p = 0.9 - 0.3 = 0.6
    assertThat(p.value().data()[0]).isCloseTo(0.6f, within(TOL));
  }

  @Test
  void zeroGradClearsEveryGradient() {
    Parameter a = Params.of(1f, 2f);
    Parameter b = Params.of(3f);
    Params.setGrad(a, 5f, 6f);
    Params.setGrad(b, 7f);
    Sgd.plain(List.of(a, b), 0.1).zeroGrad();
    assertThat(a.grad().data()).containsOnly(0f);
    assertThat(b.grad().data()).containsOnly(0f);
  }

  @Test
  void refusesInvalidHyperParameters() {
    List<Parameter> ps = List.of(Params.of(1f));
    assertThatThrownBy(() -> Sgd.plain(ps, -0.1)).isInstanceOf(UserError.class).hasMessageContaining("learning rate");
    assertThatThrownBy(() -> new Sgd(ps, 0.1, 0, 0, true, 0))
        .hasMessage("Nesterov momentum requires a momentum and zero dampening");
    assertThatThrownBy(() -> new Sgd(ps, 0.1, 0.9, 0.1, true, 0))
        .hasMessage("Nesterov momentum requires a momentum and zero dampening");
    assertThatThrownBy(() -> Sgd.plain(List.of(), 0.1)).hasMessage("optimizer got an empty parameter list");
    assertThatThrownBy(() -> new Sgd(ps, 0.1, 0, 0, false, Double.NaN)).hasMessageContaining("weight_decay");
  }
}
