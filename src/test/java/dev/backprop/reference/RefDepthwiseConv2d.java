package dev.backprop.reference;

import java.util.List;

/**
 * Depthwise convolution straight from the definition, each channel with its own kernel (groups = C):
 * y[n,c,i,j] = b[c] + Σ_ki Σ_kj w[c,0,ki,kj] · x[n, c, i·s + ki − p, j·s + kj − p], x = 0 outside.
 * Backward scatters each dy back along the same terms.
 */
public final class RefDepthwiseConv2d implements RefLayer {
  private final int channels;
  private final int k;
  private final int stride;
  private final int pad;
  private final DTensor weight;
  private final DTensor bias; // null without bias

  public RefDepthwiseConv2d(int channels, int k, int stride, int pad, boolean bias) {
    this.channels = channels;
    this.k = k;
    this.stride = stride;
    this.pad = pad;
    this.weight = DTensor.zeros(channels, 1, k, k);
    this.bias = bias ? DTensor.zeros(channels) : null;
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
    int h = x.dim(2);
    int w = x.dim(3);
    DTensor y = DTensor.zeros(x.dim(0), channels, outSize(h), outSize(w));
    for (int s = 0; s < x.dim(0); s++) {
      for (int c = 0; c < channels; c++) {
        for (int i = 0; i < y.dim(2); i++) {
          for (int j = 0; j < y.dim(3); j++) {
            double sum = bias == null ? 0 : bias.data()[c];
            for (int ki = 0; ki < k; ki++) {
              for (int kj = 0; kj < k; kj++) {
                int ih = i * stride + ki - pad;
                int iw = j * stride + kj - pad;
                if (ih >= 0 && ih < h && iw >= 0 && iw < w) {
                  sum += weight.at(c, 0, ki, kj) * x.at(s, c, ih, iw);
                }
              }
            }
            y.data()[y.index(s, c, i, j)] = sum;
          }
        }
      }
    }
    return y;
  }

  @Override
  public Grads backward(DTensor x, DTensor dy) {
    int h = x.dim(2);
    int w = x.dim(3);
    DTensor dx = DTensor.zeros(x.shape());
    DTensor dw = DTensor.zeros(weight.shape());
    DTensor db = DTensor.zeros(channels);
    for (int s = 0; s < x.dim(0); s++) {
      for (int c = 0; c < channels; c++) {
        for (int i = 0; i < dy.dim(2); i++) {
          for (int j = 0; j < dy.dim(3); j++) {
            double g = dy.at(s, c, i, j);
            db.data()[c] += g;
            for (int ki = 0; ki < k; ki++) {
              for (int kj = 0; kj < k; kj++) {
                int ih = i * stride + ki - pad;
                int iw = j * stride + kj - pad;
                if (ih >= 0 && ih < h && iw >= 0 && iw < w) {
                  dw.data()[dw.index(c, 0, ki, kj)] += g * x.at(s, c, ih, iw);
                  dx.data()[dx.index(s, c, ih, iw)] += g * weight.at(c, 0, ki, kj);
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
