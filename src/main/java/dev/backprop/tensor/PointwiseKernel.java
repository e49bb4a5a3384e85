package dev.backprop.tensor;

/**
 * One implementation of the {@link Pointwise} loops. {@link Pointwise} has already checked the arguments: every
 * element a call reads or writes lies inside its array. Implementations are stateless, so one instance serves
 * every thread.
 *
 * <p>A "rows" argument list {@code (offset, rows, stride, length)} names {@code rows} runs of {@code length}
 * consecutive elements, run r starting at {@code offset + r * stride}: one channel of an NCHW tensor is
 * {@code (c * H * W, N, C * H * W, H * W)}.
 */
interface PointwiseKernel {

  void relu(float[] x, float[] y, int from, int to);

  void reluBackward(float[] dy, float[] y, float[] dx, int from, int to);

  void keepMask(long key, double p, float[] mask, int offset, int count);

  void multiply(float[] x, float[] m, float scale, float[] y, int from, int to);

  void scale(float[] x, float factor, float[] y, int from, int to);

  void add(float[] x, float value, float[] y, int from, int to);

  void addShifted(float[] x, int xOffset, float[] y, int yOffset, int count);

  double sum(float[] x, int offset, int rows, int stride, int length);

  double sumSquaredDeviations(float[] x, double mean, int offset, int rows, int stride, int length);

  void batchNorm(float[] x, float mean, float rstd, float gamma, float beta, float[] y, int offset, int rows,
      int stride, int length);

  void batchNormSums(float[] dy, float[] x, float mean, float rstd, int offset, int rows, int stride, int length,
      double[] sums, int at);

  void batchNormBackward(float[] dy, float[] x, float mean, float rstd, float scale, float meanDy,
      float meanDyXhat, boolean rectified, float[] dx, int offset, int rows, int stride, int length);

  void maxPool2x2(float[] x, float[] y, byte[] window, int from, int to, int h, int w);

  void maxPool2x2Backward(float[] dy, byte[] window, float[] dx, int from, int to, int h, int w);
}
