package dev.backprop.optim;

import static dev.backprop.optim.Params.step;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.backprop.UserError;
import dev.backprop.layers.Parameter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Adam and AdamW on one-element parameters, the expected values worked by hand (lr 0.1, betas 0.9, 0.999). */
class AdamTest {
  private static final float TOL = 1e-6f;

  /*
   * p = 1, gradients 2 then -1:
   * step 1: m = 0.1 * 2 = 0.2, v = 0.001 * 4 = 0.004, bias corrections 0.1 and 0.001:
   *         p = 1 - 0.1 / 0.1 * 0.2 / (sqrt(0.004) / sqrt(0.001) + 1e-8) = 1 - 0.2 / 2 = 0.9
   * step 2: m = 0.9 * 0.2 + 0.1 * -1 = 0.08, v = 0.999 * 0.004 + 0.001 * 1 = 0.004996,
   *         bias corrections 1 - 0.81 = 0.19 and 1 - 0.998001 = 0.001999:
   *         p = 0.9 - (0.1 / 0.19) * 0.08 / sqrt(0.004996 / 0.001999) = 0.9 - 0.0266337 = 0.8733663
   */
  @Test
  void adamTwoStepsByHand() {
    Parameter p = Params.of(1f);
    Adam adam = Adam.withDefaults(List.of(p), 0.1);
    step(adam, p, 2f);
    assertThat(p.value().data()[0]).isCloseTo(0.9f, within(TOL));
    step(adam, p, -1f);
    assertThat(p.value().data()[0]).isCloseTo(0.8733663f, within(TOL));
    assertThat(adam.steps()).isEqualTo(2);
  }

  @Test
  void adamWeightDecayIsL2InTheGradient() {
    // g = 0 + 0.5 * 1 = 0.5, so the first step is a full -lr step: p = 0.9 (decoupled decay would give 0.95)
    Parameter p = Params.of(1f);
    Adam adam = new Adam(List.of(p), 0.1, 0.9, 0.999, 1e-8, 0.5);
    step(adam, p, 0f);
    assertThat(p.value().data()[0]).isCloseTo(0.9f, within(TOL));
  }

  @Test
  void epsIsAddedAfterTheBiasCorrectedSquareRoot() {
    // g = 1e-4: m = 1e-5, v = 1e-11; sqrt(v) / sqrt(0.001) = 1e-4; eps 1e-4 doubles the denominator:
    // p = 1 - 0.1 / 0.1 * 1e-5 / 2e-4 = 1 - 0.05
    Parameter p = Params.of(1f);
    Adam adam = new Adam(List.of(p), 0.1, 0.9, 0.999, 1e-4, 0);
    step(adam, p, 1e-4f);
    assertThat(p.value().data()[0]).isCloseTo(0.95f, within(TOL));
  }

  @Test
  void adamWDecaysTheParameterBeforeTheUpdate() {
    // step 1: p = 1 * (1 - 0.1 * 0.5) = 0.95, then the Adam step of -0.1: 0.85
    // step 2: p = 0.85 * 0.95 = 0.8075, then the same Adam step as above, -0.0266337: 0.7808663
    Parameter p = Params.of(1f);
    AdamW adamW = new AdamW(List.of(p), 0.1, 0.9, 0.999, 1e-8, 0.5);
    step(adamW, p, 2f);
    assertThat(p.value().data()[0]).isCloseTo(0.85f, within(TOL));
    step(adamW, p, -1f);
    assertThat(p.value().data()[0]).isCloseTo(0.7808663f, within(TOL));
  }

  @Test
  void adamWWithZeroGradientOnlyDecays() {
    Parameter p = Params.of(1f);
    AdamW adamW = new AdamW(List.of(p), 0.1, 0.9, 0.999, 1e-8, 0.5);
    step(adamW, p, 0f);
    assertThat(p.value().data()[0]).isCloseTo(0.95f, within(TOL));
  }

  @Test
  void momentumIsBeta1AndIsReadAtEveryStep() {
    // beta1 0.5 from the start: m = 0.5 * 2 = 1, bias correction 0.5: p = 1 - 0.1 / 0.5 * 1 / 2 = 0.9 as always
    // step 2 with beta1 0.5: m = 0.5 + 0.5 * -1 = 0, so p stays 0.9
    Parameter p = Params.of(1f);
    Adam adam = Adam.withDefaults(List.of(p), 0.1);
    adam.setMomentum(0.5);
    assertThat(adam.momentum()).isEqualTo(0.5);
    step(adam, p, 2f);
    step(adam, p, -1f);
    assertThat(p.value().data()[0]).isCloseTo(0.9f, within(TOL));
  }

  @Test
  void refusesInvalidHyperParameters() {
    List<Parameter> ps = List.of(Params.of(1f));
    assertThatThrownBy(() -> new Adam(ps, 0.1, 1.0, 0.999, 1e-8, 0))
        .isInstanceOf(UserError.class)
        .hasMessage("Invalid beta at index 0 parameter: 1.0 (must be in [0, 1))");
    assertThatThrownBy(() -> new AdamW(ps, 0.1, 0.9, -0.1, 1e-8, 0)).hasMessageContaining("beta at index 1");
    assertThatThrownBy(() -> new Adam(ps, 0.1, 0.9, 0.999, -1, 0)).hasMessageContaining("epsilon");
    assertThatThrownBy(() -> Adam.withDefaults(ps, 0.1).setMomentum(1.5)).hasMessageContaining("beta at index 0");
  }
}
