package dev.backprop.sheet;

/** The values of all parameters at one step of gradient descent. */
public record Weights(
    double w1, double w2, double w3, double w4,
    double w5, double w6, double w7, double w8,
    double b1, double b2) implements PerParameter {

  /** Weights of the network without biases. */
  public static Weights withoutBiases(double w1, double w2, double w3, double w4,
      double w5, double w6, double w7, double w8) {
    return new Weights(w1, w2, w3, w4, w5, w6, w7, w8, 0, 0);
  }

  /** A copy with one parameter changed; finite differences nudge one parameter at a time. */
  public Weights with(Parameter parameter, double value) {
    double[] values = {w1, w2, w3, w4, w5, w6, w7, w8, b1, b2};
    values[parameter.ordinal()] = value;
    return new Weights(values[0], values[1], values[2], values[3],
        values[4], values[5], values[6], values[7], values[8], values[9]);
  }

  /** One step of gradient descent: w ← w − η·∂E_total/∂w for every trained parameter. */
  public Weights descend(double learningRate, Gradients gradients, boolean trainBiases) {
    double biasRate = trainBiases ? learningRate : 0;
    return new Weights(
        w1 - learningRate * gradients.w1(), w2 - learningRate * gradients.w2(),
        w3 - learningRate * gradients.w3(), w4 - learningRate * gradients.w4(),
        w5 - learningRate * gradients.w5(), w6 - learningRate * gradients.w6(),
        w7 - learningRate * gradients.w7(), w8 - learningRate * gradients.w8(),
        b1 - biasRate * gradients.b1(), b2 - biasRate * gradients.b2());
  }
}
