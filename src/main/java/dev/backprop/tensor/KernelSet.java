package dev.backprop.tensor;

/**
 * One implementation of the {@link Kernels} loops. {@link Kernels} has already checked the arguments: every
 * element a call reads or writes lies inside its array. Implementations are stateless, so one instance serves
 * every thread.
 *
 * <p>A "rows" argument list {@code (offset, rows, stride, length)} names {@code rows} runs of {@code length}
 * consecutive elements, run r starting at {@code offset + r * stride}: one channel of an NCHW tensor is
 * {@code (c * H * W, N, C * H * W, H * W)}.
 *
 * <p><b>The canonical order of the sums</b>, the same in every implementation and at every vector width: each
 * run is cut into blocks of {@link #LANES} elements from its start; element b·16 + l of a run in a whole block goes
 * to lane sum l, the last length mod 16 elements of every run to one tail sum, all in run order and element order;
 * the result is {@link #foldLanes}(lanes) + tail. The lane and tail sums are doubles starting at +0, and each
 * update is one rounding: an add of the term, or a fused multiply-add for the squared deviations.
 */
interface KernelSet {

  /** The number of double lane sums: one 512-bit vector pair, four 256-bit vectors, eight 128-bit ones. */
  int LANES = 16;

  void relu(float[] x, float[] y, int from, int to);

  void reluBackward(float[] dy, float[] y, float[] dx, int from, int to);

  void keepMask(long key, double p, float[] mask, int offset, int count);

  void multiply(float[] x, float[] m, float scale, float[] y, int from, int to);

  void scale(float[] x, float factor, float[] y, int from, int to);

  void add(float[] x, float value, float[] y, int from, int to);

  void addShifted(float[] x, int xOffset, float[] y, int yOffset, int count);

  void multiplyAddShifted(float w, float[] x, int xOffset, float[] y, int yOffset, int count);

  void outputStage(float[] y, int from, int to, boolean addBias, float bias, boolean relu, boolean normalize,
      float mean, float rstd, float gamma, float beta);

  void channelsLast(float[] x, int xOffset, int planes, int planeStride, int height, int width, int pitch, float[] t,
      int tOffset, int rowLength, int rows);

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

  void poolLanes(boolean max, float[] x, float[] y, int planes, int h, int w, int kernel, int stride, int lanes);

  /**
   * The 16 lane sums s[at..at + 15] by a fixed tree: lane l + 8 onto lane l, then the same with 4, 2 and 1, i.e.
   * (((s0 + s8) + (s4 + s12)) + ((s2 + s10) + (s6 + s14))) + (((s1 + s9) + (s5 + s13)) + ((s3 + s11) + (s7 + s15))).
   */
  static double foldLanes(double[] s, int at) {
    double t0 = (s[at] + s[at + 8]) + (s[at + 4] + s[at + 12]);
    double t2 = (s[at + 2] + s[at + 10]) + (s[at + 6] + s[at + 14]);
    double t1 = (s[at + 1] + s[at + 9]) + (s[at + 5] + s[at + 13]);
    double t3 = (s[at + 3] + s[at + 11]) + (s[at + 7] + s[at + 15]);
    return (t0 + t2) + (t1 + t3);
  }
}
