package dev.backprop.reference;

/**
 * Dropout with a given mask: y = x · mask[unit] / (1 − p), where each mask entry covers {@code unitSize}
 * consecutive elements (1 for elementwise dropout, H·W for channel dropout). Linear in x.
 */
public final class RefDropout implements RefLayer {
  private final double[] mask;
  private final double p;

  public RefDropout(double[] mask, double p) {
    this.mask = mask.clone();
    this.p = p;
  }

  private double factor(DTensor x, int i) {
    int unitSize = x.size() / mask.length;
    return mask[i / unitSize] / (1 - p);
  }

  @Override
  public DTensor forward(DTensor x) {
    DTensor y = DTensor.zeros(x.shape());
    for (int i = 0; i < x.size(); i++) {
      y.data()[i] = x.data()[i] * factor(x, i);
    }
    return y;
  }

  @Override
  public Grads backward(DTensor x, DTensor dy) {
    DTensor dx = DTensor.zeros(x.shape());
    for (int i = 0; i < x.size(); i++) {
      dx.data()[i] = dy.data()[i] * factor(x, i);
    }
    return Grads.of(dx);
  }
}
