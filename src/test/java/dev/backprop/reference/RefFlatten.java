package dev.backprop.reference;

/** [N, ...] -> [N, prod(...)]; the gradient is reshaped back. */
public final class RefFlatten implements RefLayer {
  @Override
  public DTensor forward(DTensor x) {
    return x.copy().reshape(x.dim(0), x.size() / x.dim(0));
  }

  @Override
  public Grads backward(DTensor x, DTensor dy) {
    return Grads.of(dy.copy().reshape(x.shape()));
  }
}
