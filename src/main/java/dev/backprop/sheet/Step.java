package dev.backprop.sheet;

/** One step of gradient descent: the weights at that step and everything computed from them. */
public record Step(int index, Weights weights, ForwardPass forward, Deltas deltas, Gradients gradients) {

  public static Step at(int index, Example example, Weights weights) {
    ForwardPass forward = ForwardPass.of(example, weights);
    Deltas deltas = Deltas.of(example, weights, forward);
    return new Step(index, weights, forward, deltas, Gradients.of(example, forward, deltas));
  }
}
