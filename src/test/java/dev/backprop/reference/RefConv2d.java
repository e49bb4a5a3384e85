package dev.backprop.reference;

import java.util.List;

/**
 * Convolution straight from the definition (no im2col):
 * y[n,o,i,j] = b[o] + Σ_c Σ_ki Σ_kj w[o,c,ki,kj] · x[n, c, i·s + ki − p, j·s + kj − p], x = 0 outside.
 * Backward scatters each dy back along the same terms.
 */
public final class RefConv2d implements RefLayer {
  private final int in;
  private final int out;
  private final int k;
  private final int stride;
  private final int pad;
  private final DTensor weight;
  private final DTensor bias; // null without bias

  public RefConv2d(int in, int out, int k, int stride, int pad, boolean bias) {
    this.in = in;
    this.out = out;
    this.k = k;
    this.stride = stride;
    this.pad = pad;
    this.weight = DTensor.zeros(out, in, k, k);
    this.bias = bias ? DTensor.zeros(out) : null;
  }

  @Override
  public List<DTensor> params() {
    return bias == null ? List.of(weight) : List.of(weight, bias);
  }

  private int outSize(int size) {
    return (size + 2 * pad - k) / stride + 1;
  }

  @Override
  public DTensor forward(DTensor x) {
    int n = x.dim(0);
    int h = x.dim(2);
    int w = x.dim(3);
    DTensor y = DTensor.zeros(n, out, outSize(h), outSize(w));
    for (int s = 0; s < n; s++) {
      for (int o = 0; o < out; o++) {
        for (int i = 0; i < y.dim(2); i++) {
          for (int j = 0; j < y.dim(3); j++) {
            double sum = bias == null ? 0 : bias.data()[o];
            for (int c = 0; c < in; c++) {
              for (int ki = 0; ki < k; ki++) {
                for (int kj = 0; kj < k; kj++) {
                  int ih = i * stride + ki - pad;
                  int iw = j * stride + kj - pad;
                  if (ih >= 0 && ih < h && iw >= 0 && iw < w) {
                    sum += weight.at(o, c, ki, kj) * x.at(s, c, ih, iw);
                  }
                }
              }
            }
            y.data()[y.index(s, o, i, j)] = sum;
          }
        }
      }
    }
    return y;
  }

  @Override
  public Grads backward(DTensor x, DTensor dy) {
    int n = x.dim(0);
    int h = x.dim(2);
    int w = x.dim(3);
    DTensor dx = DTensor.zeros(x.shape());
    DTensor dw = DTensor.zeros(weight.shape());
    DTensor db = DTensor.zeros(out);
    for (int s = 0; s < n; s++) {
      for (int o = 0; o < out; o++) {
        for (int i = 0; i < dy.dim(2); i++) {
          for (int j = 0; j < dy.dim(3); j++) {
            double g = dy.at(s, o, i, j);
            db.data()[o] += g;
            for (int c = 0; c < in; c++) {
              for (int ki = 0; ki < k; ki++) {
                for (int kj = 0; kj < k; kj++) {
                  int ih = i * stride + ki - pad;
                  int iw = j * stride + kj - pad;
                  if (ih >= 0 && ih < h && iw >= 0 && iw < w) {
                    dw.data()[dw.index(o, c, ki, kj)] += g * x.at(s, c, ih, iw);
                    dx.data()[dx.index(s, c, ih, iw)] += g * weight.at(o, c, ki, kj);
                  }
                }
              }
            }
          }
        }
      }
    }
    return new Grads(dx, bias == null ? List.of(dw) : List.of(dw, db));
  }
}
