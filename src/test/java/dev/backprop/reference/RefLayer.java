package dev.backprop.reference;

import java.util.List;

/**
 * A double-precision reference layer: plain loops written from the definition, no caching, no reuse. Forward and
 * backward are pure functions of the input (and the parameters, held in {@link #params()}, which checks perturb
 * in place).
 */
public interface RefLayer {

  DTensor forward(DTensor x);

  /** dLoss/dx and dLoss/dparam (in {@link #params()} order) for dLoss/dy = gradOutput at input x. */
  Grads backward(DTensor x, DTensor gradOutput);

  default List<DTensor> params() {
    return List.of();
  }

  record Grads(DTensor input, List<DTensor> params) {
    public static Grads of(DTensor input) {
      return new Grads(input, List.of());
    }
  }
}
