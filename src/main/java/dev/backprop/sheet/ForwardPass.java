package dev.backprop.sheet;

/**
 * Every value of one forward pass: the net input and activation of each unit, then the errors.
 * {@code h1} is the net input of hidden unit 1 and {@code aH1 = σ(h1)} its activation; likewise for the
 * outputs {@code o1}, {@code aO1}.
 */
public record ForwardPass(
    double h1, double aH1, double h2, double aH2,
    double o1, double aO1, double o2, double aO2,
    double e1, double e2) {

  public static ForwardPass of(Example x, Weights w) {
    double h1 = w.w1() * x.i1() + w.w2() * x.i2() + w.b1();
    double h2 = w.w3() * x.i1() + w.w4() * x.i2() + w.b1();
    double aH1 = sigmoid(h1);
    double aH2 = sigmoid(h2);
    double o1 = w.w5() * aH1 + w.w6() * aH2 + w.b2();
    double o2 = w.w7() * aH1 + w.w8() * aH2 + w.b2();
    double aO1 = sigmoid(o1);
    double aO2 = sigmoid(o2);
    double e1 = 0.5 * (x.t1() - aO1) * (x.t1() - aO1);
    double e2 = 0.5 * (x.t2() - aO2) * (x.t2() - aO2);
    return new ForwardPass(h1, aH1, h2, aH2, o1, aO1, o2, aO2, e1, e2);
  }

  /** E_total = E1 + E2, the quantity gradient descent minimises. */
  public double eTotal() {
    return e1 + e2;
  }

  /** σ(z) = 1 / (1 + e^−z); its derivative σ(z)·(1 − σ(z)) is why a·(1 − a) appears in every delta. */
  public static double sigmoid(double z) {
    return 1 / (1 + Math.exp(-z));
  }
}
