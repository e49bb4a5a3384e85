package dev.backprop.reference;

/**
 * y[n, j] = x[n, j] − log Σ_k exp(x[n, k]) (shifted by the row max). Backward multiplies by the full Jacobian
 * ∂y_i/∂x_j = δ_ij − softmax_j.
 */
public final class RefLogSoftmax implements RefLayer {
  @Override
  public DTensor forward(DTensor x) {
    int n = x.dim(0);
    int c = x.dim(1);
    DTensor y = DTensor.zeros(n, c);
    for (int s = 0; s < n; s++) {
      double lse = logSumExp(x, s);
      for (int j = 0; j < c; j++) {
        y.data()[s * c + j] = x.data()[s * c + j] - lse;
      }
    }
    return y;
  }

  static double logSumExp(DTensor x, int row) {
    int c = x.dim(1);
    double max = Double.NEGATIVE_INFINITY;
    for (int j = 0; j < c; j++) {
      max = Math.max(max, x.data()[row * c + j]);
    }
    double sum = 0;
    for (int j = 0; j < c; j++) {
      sum += Math.exp(x.data()[row * c + j] - max);
    }
    return max + Math.log(sum);
  }

  @Override
  public Grads backward(DTensor x, DTensor dy) {
    int n = x.dim(0);
    int c = x.dim(1);
    DTensor dx = DTensor.zeros(n, c);
    for (int s = 0; s < n; s++) {
      double lse = logSumExp(x, s);
      for (int i = 0; i < c; i++) {
        for (int j = 0; j < c; j++) {
          double softmaxJ = Math.exp(x.data()[s * c + j] - lse);
          double jacobian = (i == j ? 1 : 0) - softmaxJ;
          dx.data()[s * c + j] += dy.data()[s * c + i] * jacobian;
        }
      }
    }
    return Grads.of(dx);
  }
}
