package dev.backprop.optim;

import dev.backprop.layers.Parameter;
import dev.backprop.tensor.Tensor;

/** Small parameters for hand-computed optimizer cases. */
final class Params {
  private Params() {}

  static Parameter of(float... values) {
    return new Parameter("weight", Tensor.wrap(values.clone(), values.length));
  }

  static void setGrad(Parameter p, float... grad) {
    System.arraycopy(grad, 0, p.grad().data(), 0, grad.length);
  }

  /** Sets the gradient and takes one step. */
  static void step(Optimizer optimizer, Parameter p, float... grad) {
    setGrad(p, grad);
    optimizer.step();
  }
}
