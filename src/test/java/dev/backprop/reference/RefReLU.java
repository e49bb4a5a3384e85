package dev.backprop.reference;

/** y = x if x > 0 else 0; dy/dx = 1 if x > 0 else 0. */
public final class RefReLU implements RefLayer {
  @Override
  public DTensor forward(DTensor x) {
    DTensor y = DTensor.zeros(x.shape());
    for (int i = 0; i < x.size(); i++) {
      y.data()[i] = x.data()[i] > 0 ? x.data()[i] : 0;
    }
    return y;
  }

  @Override
  public Grads backward(DTensor x, DTensor dy) {
    DTensor dx = DTensor.zeros(x.shape());
    for (int i = 0; i < x.size(); i++) {
      dx.data()[i] = x.data()[i] > 0 ? dy.data()[i] : 0;
    }
    return Grads.of(dx);
  }
}
