package dev.backprop.sheet;

/** Compares the closed-form gradients with central finite differences of E_total. */
public final class GradientCheck {

  /** The largest difference the closed forms may show; anything bigger means a wrong formula. */
  public static final double TOLERANCE = 1e-9;

  /**
   * Step of the central difference: its truncation error is about h²·|E'''|/6 ≈ 1e-11 and its rounding
   * error about ε·E_total/h ≈ 1e-11, both far below {@link #TOLERANCE}.
   */
  static final double H = 1e-5;

  private GradientCheck() {}

  /** Whether a {@link #maxDifference} is small enough; NaN, from overflowing inputs, is not. */
  public static boolean passes(double maxDifference) {
    return maxDifference < TOLERANCE;
  }

  /** max over the network's parameters of |formula − (E(p + h) − E(p − h)) / 2h| at the given weights. */
  public static double maxDifference(WorkedExample network, Weights weights) {
    Example example = network.example();
    Gradients formulas = Step.at(0, example, weights).gradients();
    double max = 0;
    for (Parameter parameter : network.parameters()) {
      double difference = Math.abs(formulas.get(parameter) - centralDifference(example, weights, parameter));
      max = Math.max(max, difference);
    }
    return max;
  }

  /** (E_total(p + h) − E_total(p − h)) / 2h for one parameter p at the given weights, h = {@value #H}. */
  public static double centralDifference(Example example, Weights weights, Parameter parameter) {
    double value = weights.get(parameter);
    double above = ForwardPass.of(example, weights.with(parameter, value + H)).eTotal();
    double below = ForwardPass.of(example, weights.with(parameter, value - H)).eTotal();
    return (above - below) / (2 * H);
  }
}
