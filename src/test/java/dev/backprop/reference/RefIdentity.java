package dev.backprop.reference;

/** y = x (dropout in eval mode). */
public final class RefIdentity implements RefLayer {
  @Override
  public DTensor forward(DTensor x) {
    return x.copy();
  }

  @Override
  public Grads backward(DTensor x, DTensor dy) {
    return Grads.of(dy.copy());
  }
}
