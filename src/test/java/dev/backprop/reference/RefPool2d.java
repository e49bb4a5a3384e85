package dev.backprop.reference;

/**
 * Max or average pooling over k×k windows with a stride, no padding, floor mode. Max sends the gradient to the
 * first strict maximum of the window in row-major order. A global average pool is the average pool whose window
 * is the whole plane.
 */
public final class RefPool2d implements RefLayer {
  private final boolean max;
  private final int k; // 0: the whole plane
  private final int stride;

  private RefPool2d(boolean max, int k, int stride) {
    this.max = max;
    this.k = k;
    this.stride = stride;
  }

  public static RefPool2d max(int k, int stride) {
    return new RefPool2d(true, k, stride);
  }

  public static RefPool2d avg(int k, int stride) {
    return new RefPool2d(false, k, stride);
  }

  public static RefPool2d globalAvg() {
    return new RefPool2d(false, 0, 1);
  }

  private int kh(DTensor x) {
    return k == 0 ? x.dim(2) : k;
  }

  private int kw(DTensor x) {
    return k == 0 ? x.dim(3) : k;
  }

  @Override
  public DTensor forward(DTensor x) {
    int kh = kh(x);
    int kw = kw(x);
    DTensor y = DTensor.zeros(x.dim(0), x.dim(1), (x.dim(2) - kh) / stride + 1, (x.dim(3) - kw) / stride + 1);
    for (int n = 0; n < y.dim(0); n++) {
      for (int c = 0; c < y.dim(1); c++) {
        for (int i = 0; i < y.dim(2); i++) {
          for (int j = 0; j < y.dim(3); j++) {
            double acc = max ? Double.NEGATIVE_INFINITY : 0;
            for (int a = 0; a < kh; a++) {
              for (int b = 0; b < kw; b++) {
                double v = x.at(n, c, i * stride + a, j * stride + b);
                acc = max ? Math.max(acc, v) : acc + v / (kh * kw);
              }
            }
            y.data()[y.index(n, c, i, j)] = acc;
          }
        }
      }
    }
    return y;
  }

  @Override
  public Grads backward(DTensor x, DTensor dy) {
    int kh = kh(x);
    int kw = kw(x);
    DTensor dx = DTensor.zeros(x.shape());
    for (int n = 0; n < dy.dim(0); n++) {
      for (int c = 0; c < dy.dim(1); c++) {
        for (int i = 0; i < dy.dim(2); i++) {
          for (int j = 0; j < dy.dim(3); j++) {
            double g = dy.at(n, c, i, j);
            int bestA = 0;
            int bestB = 0;
            for (int a = 0; a < kh; a++) {
              for (int b = 0; b < kw; b++) {
                if (max) {
                  if (x.at(n, c, i * stride + a, j * stride + b) > x.at(n, c, i * stride + bestA, j * stride + bestB)) {
                    bestA = a;
                    bestB = b;
                  }
                } else {
                  dx.data()[dx.index(n, c, i * stride + a, j * stride + b)] += g / (kh * kw);
                }
              }
            }
            if (max) {
              dx.data()[dx.index(n, c, i * stride + bestA, j * stride + bestB)] += g;
            }
          }
        }
      }
    }
    return Grads.of(dx);
  }
}
