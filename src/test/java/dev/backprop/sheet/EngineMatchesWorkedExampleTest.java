package dev.backprop.sheet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.backprop.layers.Linear;
import dev.backprop.layers.Sigmoid;
import dev.backprop.loss.SumSquaresLoss;
import dev.backprop.tensor.Rng;
import dev.backprop.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The worked example through the engine: the 2-2-2 sigmoid network built from engine layers (Linear without
 * bias, Sigmoid, Linear without bias, Sigmoid, SumSquaresLoss) with the course's weights w1..w8 gives the same
 * E_total and the same gradients as the closed-form derivation. Engine float32 vs closed form in double: within
 * 1e-6 absolute (the values are O(0.01 … 1), float32 rounds them to about 3e-8; measured worst 1.2e-9).
 *
 * <p>The closed form is written out here ({@link ClosedForm}, the derivation line by line) because the worked
 * example's own implementation lives in {@code dev.backprop.sheet}'s main code on another branch; once both are
 * merged it can replace {@link ClosedForm#of}.
 *
 * <p>h1 = w1·i1 + w2·i2, so the first Linear's weight rows are [w1, w2] and [w3, w4]; likewise o1 = w5·a_h1 +
 * w6·a_h2, so the second's are [w5, w6] and [w7, w8].
 */
class EngineMatchesWorkedExampleTest {
  static final double TOLERANCE = 1e-6;

  static final double[] W = {0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55}; // w1..w8
  static final double I1 = 0.05;
  static final double I2 = 0.10;
  static final double T1 = 0.5;
  static final double T2 = 0.5;

  /** The closed form, in double: activations, E_total, ∂E/∂w1..w8, ∂E/∂a_h1, ∂E/∂a_h2. */
  record ClosedForm(double aH1, double aH2, double aO1, double aO2, double eTotal, double[] dW, double dAh1,
      double dAh2) {

    static ClosedForm of(double[] w, double i1, double i2, double t1, double t2) {
      double aH1 = sigmoid(w[0] * i1 + w[1] * i2);
      double aH2 = sigmoid(w[2] * i1 + w[3] * i2);
      double aO1 = sigmoid(w[4] * aH1 + w[5] * aH2);
      double aO2 = sigmoid(w[6] * aH1 + w[7] * aH2);
      double eTotal = 0.5 * (t1 - aO1) * (t1 - aO1) + 0.5 * (t2 - aO2) * (t2 - aO2);
      double deltaO1 = (aO1 - t1) * aO1 * (1 - aO1); // ∂E/∂o1 = ∂E/∂a_o1 · ∂a_o1/∂o1
      double deltaO2 = (aO2 - t2) * aO2 * (1 - aO2);
      double dAh1 = deltaO1 * w[4] + deltaO2 * w[6]; // a_h1 feeds o1 (via w5) and o2 (via w7)
      double dAh2 = deltaO1 * w[5] + deltaO2 * w[7];
      double deltaH1 = dAh1 * aH1 * (1 - aH1);
      double deltaH2 = dAh2 * aH2 * (1 - aH2);
      double[] dW = {
        deltaH1 * i1, deltaH1 * i2, deltaH2 * i1, deltaH2 * i2, // w1..w4
        deltaO1 * aH1, deltaO1 * aH2, deltaO2 * aH1, deltaO2 * aH2 // w5..w8
      };
      return new ClosedForm(aH1, aH2, aO1, aO2, eTotal, dW, dAh1, dAh2);
    }

    private static double sigmoid(double x) {
      return 1 / (1 + Math.exp(-x));
    }
  }

  @Test
  void engineGivesTheClosedFormErrorAndGradients() {
    Rng rng = new Rng(1); // weights are set below
    Linear hidden = new Linear(2, 2, false, rng);
    Linear output = new Linear(2, 2, false, rng);
    Sigmoid hiddenSigmoid = new Sigmoid();
    Sigmoid outputSigmoid = new Sigmoid();
    SumSquaresLoss loss = new SumSquaresLoss();
    set(hidden.weight().value(), W[0], W[1], W[2], W[3]);
    set(output.weight().value(), W[4], W[5], W[6], W[7]);
    Tensor input = tensor(I1, I2);
    Tensor target = tensor(T1, T2);

    Tensor aH = hiddenSigmoid.forward(hidden.forward(input, true), true);
    Tensor aO = outputSigmoid.forward(output.forward(aH, true), true);
    double eTotal = loss.forward(aO, target);
    Tensor dAh = output.backward(outputSigmoid.backward(loss.backward())); // ∂E/∂a_h: layer 2's input gradient
    hidden.backward(hiddenSigmoid.backward(dAh));

    ClosedForm expected = ClosedForm.of(W, I1, I2, T1, T2);
    assertThat(eTotal).as("E_total").isCloseTo(0.014181, within(5e-7)); // the course's value to 6 d.p.
    assertThat(eTotal).as("E_total").isCloseTo(expected.eTotal(), within(TOLERANCE));
    assertThat(aH.data()[0]).as("a_h1").isCloseTo((float) expected.aH1(), within((float) TOLERANCE));
    assertThat(aH.data()[1]).as("a_h2").isCloseTo((float) expected.aH2(), within((float) TOLERANCE));
    assertThat(aO.data()[0]).as("a_o1").isCloseTo((float) expected.aO1(), within((float) TOLERANCE));
    assertThat(aO.data()[1]).as("a_o2").isCloseTo((float) expected.aO2(), within((float) TOLERANCE));
    assertThat((double) dAh.data()[0]).as("∂E/∂a_h1").isCloseTo(expected.dAh1(), within(TOLERANCE));
    assertThat((double) dAh.data()[1]).as("∂E/∂a_h2").isCloseTo(expected.dAh2(), within(TOLERANCE));
    float[] dHidden = hidden.weight().grad().data(); // rows [∂w1, ∂w2], [∂w3, ∂w4]
    float[] dOutput = output.weight().grad().data(); // rows [∂w5, ∂w6], [∂w7, ∂w8]
    for (int k = 0; k < 4; k++) {
      assertThat((double) dHidden[k]).as("∂E/∂w%d", k + 1).isCloseTo(expected.dW()[k], within(TOLERANCE));
      assertThat((double) dOutput[k]).as("∂E/∂w%d", k + 5).isCloseTo(expected.dW()[k + 4], within(TOLERANCE));
    }
  }

  private static Tensor tensor(double a, double b) {
    return Tensor.wrap(new float[] {(float) a, (float) b}, 1, 2);
  }

  private static void set(Tensor weight, double... values) {
    for (int i = 0; i < values.length; i++) {
      weight.data()[i] = (float) values[i];
    }
  }
}
