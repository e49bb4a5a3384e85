package dev.backprop.reference;

/** A double-precision reference loss over [N, C] scores and N labels. */
public interface RefClassificationLoss {

  double forward(DTensor x, int[] labels);

  /** dLoss/dx. */
  DTensor backward(DTensor x, int[] labels);

  /** −(1/N)·Σ_n x[n, label_n]. */
  static RefClassificationLoss nll() {
    return new RefClassificationLoss() {
      @Override
      public double forward(DTensor x, int[] labels) {
        int c = x.dim(1);
        double sum = 0;
        for (int n = 0; n < labels.length; n++) {
          sum -= x.data()[n * c + labels[n]];
        }
        return sum / labels.length;
      }

      @Override
      public DTensor backward(DTensor x, int[] labels) {
        int c = x.dim(1);
        DTensor dx = DTensor.zeros(x.shape());
        for (int n = 0; n < labels.length; n++) {
          dx.data()[n * c + labels[n]] = -1.0 / labels.length;
        }
        return dx;
      }
    };
  }

  /**
   * (1/N)·Σ_n Σ_c −q[n, c]·log softmax(x)[n, c] with q = (1 − ε)·onehot + ε/C. Backward multiplies −q/N by the
   * log-softmax Jacobian δ_cj − softmax_j.
   */
  static RefClassificationLoss crossEntropy(double eps) {
    return new RefClassificationLoss() {
      private double q(int c, int j, int label) {
        return (j == label ? 1 - eps : 0) + eps / c;
      }

      @Override
      public double forward(DTensor x, int[] labels) {
        int c = x.dim(1);
        double sum = 0;
        for (int n = 0; n < labels.length; n++) {
          double lse = RefLogSoftmax.logSumExp(x, n);
          for (int j = 0; j < c; j++) {
            sum -= q(c, j, labels[n]) * (x.data()[n * c + j] - lse);
          }
        }
        return sum / labels.length;
      }

      @Override
      public DTensor backward(DTensor x, int[] labels) {
        int c = x.dim(1);
        int batch = labels.length;
        DTensor dx = DTensor.zeros(x.shape());
        for (int n = 0; n < batch; n++) {
          double lse = RefLogSoftmax.logSumExp(x, n);
          for (int i = 0; i < c; i++) {
            double dLogP = -q(c, i, labels[n]) / batch;
            for (int j = 0; j < c; j++) {
              double softmaxJ = Math.exp(x.data()[n * c + j] - lse);
              dx.data()[n * c + j] += dLogP * ((i == j ? 1 : 0) - softmaxJ);
            }
          }
        }
        return dx;
      }
    };
  }
}
