package dev.backprop.reference;

/** y = 1 / (1 + e^−x); dy/dx = e^−x / (1 + e^−x)². */
public final class RefSigmoid implements RefLayer {
  @Override
  public DTensor forward(DTensor x) {
    DTensor y = DTensor.zeros(x.shape());
    for (int i = 0; i < x.size(); i++) {
      y.data()[i] = 1 / (1 + Math.exp(-x.data()[i]));
    }
    return y;
  }

  @Override
  public Grads backward(DTensor x, DTensor dy) {
    DTensor dx = DTensor.zeros(x.shape());
    for (int i = 0; i < x.size(); i++) {
      double e = Math.exp(-x.data()[i]);
      dx.data()[i] = dy.data()[i] * e / ((1 + e) * (1 + e));
    }
    return Grads.of(dx);
  }
}
