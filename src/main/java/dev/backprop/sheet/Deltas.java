package dev.backprop.sheet;

/**
 * The error signals of backpropagation: δ of a unit is ∂E_total with respect to its net input. Every
 * gradient is a δ times whatever the weight multiplies, so the chain rule is computed once per unit here.
 */
public record Deltas(
    double deltaO1, double deltaO2,
    double dEdaH1, double dEdaH2,
    double deltaH1, double deltaH2) {

  public static Deltas of(Example x, Weights w, ForwardPass f) {
    // δ_o1 = ∂E_total/∂o1 = ∂E1/∂a_o1 · ∂a_o1/∂o1 = (a_o1 − t1) · a_o1·(1 − a_o1); E2 does not depend on o1.
    double deltaO1 = (f.aO1() - x.t1()) * f.aO1() * (1 - f.aO1());
    double deltaO2 = (f.aO2() - x.t2()) * f.aO2() * (1 - f.aO2());
    // a_h1 reaches E_total through both outputs: ∂E/∂a_h1 = δ_o1·∂o1/∂a_h1 + δ_o2·∂o2/∂a_h1 = δ_o1·w5 + δ_o2·w7.
    double dEdaH1 = deltaO1 * w.w5() + deltaO2 * w.w7();
    double dEdaH2 = deltaO1 * w.w6() + deltaO2 * w.w8();
    // δ_h1 = ∂E/∂h1 = ∂E/∂a_h1 · ∂a_h1/∂h1 = ∂E/∂a_h1 · a_h1·(1 − a_h1).
    double deltaH1 = dEdaH1 * f.aH1() * (1 - f.aH1());
    double deltaH2 = dEdaH2 * f.aH2() * (1 - f.aH2());
    return new Deltas(deltaO1, deltaO2, dEdaH1, dEdaH2, deltaH1, deltaH2);
  }
}
