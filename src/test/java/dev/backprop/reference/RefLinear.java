package dev.backprop.reference;

import java.util.List;

/** y[n, o] = b[o] + Σ_i w[o, i]·x[n, i]. */
public final class RefLinear implements RefLayer {
  private final int in;
  private final int out;
  private final DTensor weight;
  private final DTensor bias;

  public RefLinear(int in, int out, boolean bias) {
    this.in = in;
    this.out = out;
    this.weight = DTensor.zeros(out, in);
    this.bias = bias ? DTensor.zeros(out) : null;
  }

  @Override
  public List<DTensor> params() {
    return bias == null ? List.of(weight) : List.of(weight, bias);
  }

  @Override
  public DTensor forward(DTensor x) {
    int n = x.dim(0);
    DTensor y = DTensor.zeros(n, out);
    for (int s = 0; s < n; s++) {
      for (int o = 0; o < out; o++) {
        double sum = bias == null ? 0 : bias.data()[o];
        for (int i = 0; i < in; i++) {
          sum += weight.data()[o * in + i] * x.data()[s * in + i];
        }
        y.data()[s * out + o] = sum;
      }
    }
    return y;
  }

  @Override
  public Grads backward(DTensor x, DTensor dy) {
    int n = x.dim(0);
    DTensor dx = DTensor.zeros(x.shape());
    DTensor dw = DTensor.zeros(out, in);
    DTensor db = DTensor.zeros(out);
    for (int s = 0; s < n; s++) {
      for (int o = 0; o < out; o++) {
        double g = dy.data()[s * out + o];
        db.data()[o] += g;
        for (int i = 0; i < in; i++) {
          dw.data()[o * in + i] += g * x.data()[s * in + i];
          dx.data()[s * in + i] += g * weight.data()[o * in + i];
        }
      }
    }
    return new Grads(dx, bias == null ? List.of(dw) : List.of(dw, db));
  }
}
