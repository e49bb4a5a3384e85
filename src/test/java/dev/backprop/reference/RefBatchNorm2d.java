package dev.backprop.reference;

import java.util.List;

/**
 * BatchNorm2d from the textbook derivation. Training: batch mean μ and biased variance σ² over the M = N·H·W
 * values of each channel; backward goes through σ² and μ explicitly (Ioffe and Szegedy 2015, Algorithm 1's
 * chain rule), a different route from the engine's compact formula:
 *
 * <pre>
 *   dx̂ = dy·γ
 *   dσ² = Σ dx̂·(x − μ)·(−½)(σ² + ε)^(−3/2)
 *   dμ = Σ dx̂·(−1/√(σ² + ε)) + dσ²·Σ −2(x − μ)/M
 *   dx = dx̂/√(σ² + ε) + dσ²·2(x − μ)/M + dμ/M
 * </pre>
 *
 * Eval: the given running mean and variance are constants.
 */
public final class RefBatchNorm2d implements RefLayer {
  public static final double EPS = 1e-5;
  public static final double MOMENTUM = 0.1;

  private final boolean training;
  private final double[] runningMean;
  private final double[] runningVar;
  private final DTensor gamma;
  private final DTensor beta;

  private RefBatchNorm2d(int channels, boolean training, double[] runningMean, double[] runningVar) {
    this.training = training;
    this.runningMean = runningMean;
    this.runningVar = runningVar;
    this.gamma = DTensor.zeros(channels);
    this.beta = DTensor.zeros(channels);
  }

  public static RefBatchNorm2d training(int channels) {
    return new RefBatchNorm2d(channels, true, null, null);
  }

  public static RefBatchNorm2d eval(double[] runningMean, double[] runningVar) {
    return new RefBatchNorm2d(runningMean.length, false, runningMean.clone(), runningVar.clone());
  }

  @Override
  public List<DTensor> params() {
    return List.of(gamma, beta);
  }

  /** [C] batch means. */
  public static double[] batchMean(DTensor x) {
    int n = x.dim(0);
    int c = x.dim(1);
    double[] mean = new double[c];
    int m = n * x.dim(2) * x.dim(3);
    for (int s = 0; s < n; s++) {
      for (int ch = 0; ch < c; ch++) {
        for (int i = 0; i < x.dim(2); i++) {
          for (int j = 0; j < x.dim(3); j++) {
            mean[ch] += x.at(s, ch, i, j) / m;
          }
        }
      }
    }
    return mean;
  }

  /** [C] variances about the given means, divided by M (biased) or M − 1 (unbiased). */
  public static double[] batchVar(DTensor x, double[] mean, boolean unbiased) {
    int n = x.dim(0);
    int c = x.dim(1);
    int m = n * x.dim(2) * x.dim(3);
    double[] var = new double[c];
    for (int s = 0; s < n; s++) {
      for (int ch = 0; ch < c; ch++) {
        for (int i = 0; i < x.dim(2); i++) {
          for (int j = 0; j < x.dim(3); j++) {
            double d = x.at(s, ch, i, j) - mean[ch];
            var[ch] += d * d;
          }
        }
      }
    }
    for (int ch = 0; ch < c; ch++) {
      var[ch] /= unbiased ? m - 1 : m;
    }
    return var;
  }

  private double[][] stats(DTensor x) {
    if (!training) {
      return new double[][] {runningMean, runningVar};
    }
    double[] mean = batchMean(x);
    return new double[][] {mean, batchVar(x, mean, false)};
  }

  @Override
  public DTensor forward(DTensor x) {
    double[][] st = stats(x);
    DTensor y = DTensor.zeros(x.shape());
    for (int i = 0; i < x.size(); i++) {
      int ch = channelOf(x, i);
      double xhat = (x.data()[i] - st[0][ch]) / Math.sqrt(st[1][ch] + EPS);
      y.data()[i] = gamma.data()[ch] * xhat + beta.data()[ch];
    }
    return y;
  }

  private static int channelOf(DTensor x, int flatIndex) {
    return flatIndex / (x.dim(2) * x.dim(3)) % x.dim(1);
  }

  @Override
  public Grads backward(DTensor x, DTensor dy) {
    int c = x.dim(1);
    int m = x.dim(0) * x.dim(2) * x.dim(3);
    double[][] st = stats(x);
    double[] mean = st[0];
    double[] var = st[1];
    DTensor dx = DTensor.zeros(x.shape());
    DTensor dGamma = DTensor.zeros(c);
    DTensor dBeta = DTensor.zeros(c);
    double[] dVar = new double[c];
    double[] dMean = new double[c];
    double[] sumCentered = new double[c];
    for (int i = 0; i < x.size(); i++) {
      int ch = channelOf(x, i);
      double centered = x.data()[i] - mean[ch];
      double xhat = centered / Math.sqrt(var[ch] + EPS);
      dGamma.data()[ch] += dy.data()[i] * xhat;
      dBeta.data()[ch] += dy.data()[i];
      double dxhat = dy.data()[i] * gamma.data()[ch];
      dVar[ch] += dxhat * centered * -0.5 * Math.pow(var[ch] + EPS, -1.5);
      dMean[ch] += -dxhat / Math.sqrt(var[ch] + EPS);
      sumCentered[ch] += -2 * centered / m;
    }
    for (int ch = 0; ch < c; ch++) {
      dMean[ch] += dVar[ch] * sumCentered[ch];
    }
    for (int i = 0; i < x.size(); i++) {
      int ch = channelOf(x, i);
      double dxhat = dy.data()[i] * gamma.data()[ch];
      double v = dxhat / Math.sqrt(var[ch] + EPS);
      if (training) {
        v += dVar[ch] * 2 * (x.data()[i] - mean[ch]) / m + dMean[ch] / m;
      }
      dx.data()[i] = v;
    }
    return new Grads(dx, List.of(dGamma, dBeta));
  }
}
