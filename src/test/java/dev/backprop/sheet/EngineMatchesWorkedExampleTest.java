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
 * <p>h1 = w1·i1 + w2·i2, so the first Linear's weight rows are [w1, w2] and [w3, w4]; likewise o1 = w5·a_h1 +
 * w6·a_h2, so the second's are [w5, w6] and [w7, w8].
 */
class EngineMatchesWorkedExampleTest {
  static final double TOLERANCE = 1e-6;

  static final Example EXAMPLE = new Example(0.05, 0.10, 0.5, 0.5);
  static final Weights WEIGHTS = Weights.withoutBiases(0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55);

  @Test
  void engineGivesTheClosedFormErrorAndGradients() {
    Rng rng = new Rng(1); // weights are set below
    Linear hidden = new Linear(2, 2, false, rng);
    Linear output = new Linear(2, 2, false, rng);
    Sigmoid hiddenSigmoid = new Sigmoid();
    Sigmoid outputSigmoid = new Sigmoid();
    SumSquaresLoss loss = new SumSquaresLoss();
    set(hidden.weight().value(), WEIGHTS.w1(), WEIGHTS.w2(), WEIGHTS.w3(), WEIGHTS.w4());
    set(output.weight().value(), WEIGHTS.w5(), WEIGHTS.w6(), WEIGHTS.w7(), WEIGHTS.w8());
    Tensor input = tensor(EXAMPLE.i1(), EXAMPLE.i2());
    Tensor target = tensor(EXAMPLE.t1(), EXAMPLE.t2());

    Tensor aH = hiddenSigmoid.forward(hidden.forward(input, true), true);
    Tensor aO = outputSigmoid.forward(output.forward(aH, true), true);
    double eTotal = loss.forward(aO, target);
    Tensor dAh = output.backward(outputSigmoid.backward(loss.backward())); // ∂E/∂a_h: layer 2's input gradient
    hidden.backward(hiddenSigmoid.backward(dAh));

    // the worked example's own closed form, in double
    ForwardPass forward = ForwardPass.of(EXAMPLE, WEIGHTS);
    Deltas deltas = Deltas.of(EXAMPLE, WEIGHTS, forward);
    Gradients gradients = Gradients.of(EXAMPLE, forward, deltas);
    assertThat(eTotal).as("E_total").isCloseTo(0.014181, within(5e-7)); // the course's value to 6 d.p.
    assertThat(eTotal).as("E_total").isCloseTo(forward.eTotal(), within(TOLERANCE));
    assertThat(aH.data()[0]).as("a_h1").isCloseTo((float) forward.aH1(), within((float) TOLERANCE));
    assertThat(aH.data()[1]).as("a_h2").isCloseTo((float) forward.aH2(), within((float) TOLERANCE));
    assertThat(aO.data()[0]).as("a_o1").isCloseTo((float) forward.aO1(), within((float) TOLERANCE));
    assertThat(aO.data()[1]).as("a_o2").isCloseTo((float) forward.aO2(), within((float) TOLERANCE));
    assertThat((double) dAh.data()[0]).as("∂E/∂a_h1").isCloseTo(deltas.dEdaH1(), within(TOLERANCE));
    assertThat((double) dAh.data()[1]).as("∂E/∂a_h2").isCloseTo(deltas.dEdaH2(), within(TOLERANCE));
    float[] dHidden = hidden.weight().grad().data(); // rows [∂w1, ∂w2], [∂w3, ∂w4]
    float[] dOutput = output.weight().grad().data(); // rows [∂w5, ∂w6], [∂w7, ∂w8]
    for (int k = 0; k < 4; k++) {
      assertThat((double) dHidden[k]).as("∂E/∂w%d", k + 1).isCloseTo(gradients.get(Parameter.WEIGHTS.get(k)), within(TOLERANCE));
      assertThat((double) dOutput[k]).as("∂E/∂w%d", k + 5).isCloseTo(gradients.get(Parameter.WEIGHTS.get(k + 4)), within(TOLERANCE));
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
