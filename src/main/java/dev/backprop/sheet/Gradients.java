package dev.backprop.sheet;

/** ∂E_total/∂p for every parameter p, named like the parameter: {@code w5()} is ∂E_total/∂w5. */
public record Gradients(
    double w1, double w2, double w3, double w4,
    double w5, double w6, double w7, double w8,
    double b1, double b2) implements PerParameter {

  public static Gradients of(Example x, ForwardPass f, Deltas d) {
    return new Gradients(
        // h1 = w1·i1 + w2·i2 + b1, so ∂E/∂w1 = δ_h1·∂h1/∂w1 = ∂E/∂a_h1·a_h1·(1 − a_h1)·i1.
        d.deltaH1() * x.i1(),
        d.deltaH1() * x.i2(),
        // h2 = w3·i1 + w4·i2 + b1.
        d.deltaH2() * x.i1(),
        d.deltaH2() * x.i2(),
        // o1 = w5·a_h1 + w6·a_h2 + b2, so ∂E/∂w5 = δ_o1·a_h1 = (a_o1 − t1)·a_o1·(1 − a_o1)·a_h1.
        d.deltaO1() * f.aH1(),
        d.deltaO1() * f.aH2(),
        // o2 = w7·a_h1 + w8·a_h2 + b2.
        d.deltaO2() * f.aH1(),
        d.deltaO2() * f.aH2(),
        // A shared bias collects the deltas of every unit it feeds: ∂h/∂b = 1 for each of them.
        d.deltaH1() + d.deltaH2(),
        d.deltaO1() + d.deltaO2());
  }
}
