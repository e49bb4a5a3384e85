package dev.backprop.tensor;

import java.util.Objects;

/**
 * The memory-bound loops of the layers (ReLU, Dropout, BatchNorm, 2x2 max pooling, plane sums, the convolution's
 * channels-last copy of dOut), each defined below
 * element by element. They read and write each element once, so they should run at memory speed; in plain Java
 * they do not (C2 compiles {@code x > 0 ? x : 0} to a branch, mispredicted on half of random signs, and a sum into
 * one double waits on every add), hence a Vector API kernel.
 *
 * <p>Implementation: {@link VectorizationProvider} picks the Vector API kernel when the JVM can run it, otherwise a
 * scalar one, as for {@link Gemm}. Both are single-threaded, allocation-free and share no mutable state, and every
 * function, the sums included, gives the same bits in both kernels at every vector width: a sum follows the
 * canonical order of {@link KernelSet} (16 double lane sums folded by a fixed tree, never {@code reduceLanes},
 * whose order the API leaves open).
 *
 * <p>Runs: {@code (offset, rows, stride, length)} names {@code rows} runs of {@code length} consecutive elements,
 * run r starting at {@code offset + r * stride}; channel c of an [N, C, H, W] tensor is
 * {@code (c·H·W, N, C·H·W, H·W)}.
 */
public final class Kernels {

  private static final KernelSet KERNEL = VectorizationProvider.getInstance().kernels();

  private Kernels() {}

  /** y[i] = x[i] > 0 ? x[i] : 0 for i in [from, to): NaN and −0 give +0. */
  public static void relu(float[] x, float[] y, int from, int to) {
    range(x, from, to);
    range(y, from, to);
    KERNEL.relu(x, y, from, to);
  }

  /** dx[i] = y[i] > 0 ? dy[i] : 0 for i in [from, to), y the ReLU output: the gradient is 0 at x = 0. */
  public static void reluBackward(float[] dy, float[] y, float[] dx, int from, int to) {
    range(dy, from, to);
    range(y, from, to);
    range(dx, from, to);
    KERNEL.reluBackward(dy, y, dx, from, to);
  }

  /** mask[offset + u] = {@code Rng.doubleAt(key, u) >= p} ? 1 : 0 for u in [0, count): a dropout keep mask. */
  public static void keepMask(long key, double p, float[] mask, int offset, int count) {
    range(mask, offset, offset + count);
    KERNEL.keepMask(key, p, mask, offset, count);
  }

  /** y[i] = x[i] · (m[i] · scale) for i in [from, to): dropout with mask m, scale 1/(1 − p). */
  public static void multiply(float[] x, float[] m, float scale, float[] y, int from, int to) {
    range(x, from, to);
    range(m, from, to);
    range(y, from, to);
    KERNEL.multiply(x, m, scale, y, from, to);
  }

  /** y[i] = x[i] · factor for i in [from, to). */
  public static void scale(float[] x, float factor, float[] y, int from, int to) {
    range(x, from, to);
    range(y, from, to);
    KERNEL.scale(x, factor, y, from, to);
  }

  /** y[i] = x[i] + value for i in [from, to): a convolution's bias. */
  public static void add(float[] x, float value, float[] y, int from, int to) {
    range(x, from, to);
    range(y, from, to);
    KERNEL.add(x, value, y, from, to);
  }

  /**
   * A convolution's output pass, in place on y[i] for i in [from, to), as the separate functions would do one after
   * the other: v = y[i] + bias when {@code addBias} ({@link #add}), then v = v &gt; 0 ? v : 0 when {@code relu}
   * ({@link #relu}), then v = gamma·((v − mean)·rstd) + beta when {@code normalize} ({@link #batchNorm} with eval
   * statistics). The same bits as those calls, in one pass instead of three.
   */
  public static void outputStage(float[] y, int from, int to, boolean addBias, float bias, boolean relu,
      boolean normalize, float mean, float rstd, float gamma, float beta) {
    range(y, from, to);
    KERNEL.outputStage(y, from, to, addBias, bias, relu, normalize, mean, rstd, gamma, beta);
  }

  /**
   * y[yOffset + u] += x[xOffset + u] for u in [0, count): col2im's scatter-add. C2 does not vectorise this loop in
   * plain Java (with two offsets it cannot rule out that the ranges overlap). With x == y they must not overlap.
   */
  public static void addShifted(float[] x, int xOffset, float[] y, int yOffset, int count) {
    range(x, xOffset, xOffset + count);
    range(y, yOffset, yOffset + count);
    if (x == y && count > 0 && xOffset < yOffset + count && yOffset < xOffset + count) {
      throw new IllegalArgumentException("addShifted: the ranges overlap");
    }
    KERNEL.addShifted(x, xOffset, y, yOffset, count);
  }

  /**
   * y[yOffset + u] = fma(w, x[xOffset + u], y[yOffset + u]) for u in [0, count): one tap of a depthwise convolution
   * over a plane (each element its own chain, so every width gives the same bits). C2 does not vectorise this loop
   * in plain Java, for addShifted's reason. With x == y the ranges must not overlap.
   */
  public static void multiplyAddShifted(float w, float[] x, int xOffset, float[] y, int yOffset, int count) {
    range(x, xOffset, xOffset + count);
    range(y, yOffset, yOffset + count);
    if (x == y && count > 0 && xOffset < yOffset + count && yOffset < xOffset + count) {
      throw new IllegalArgumentException("multiplyAddShifted: the ranges overlap");
    }
    KERNEL.multiplyAddShifted(w, x, xOffset, y, yOffset, count);
  }

  /**
   * Planes to channels-last rows, for the weight gradient's dOutᵀ: {@code planes} planes of height x width at
   * x[xOffset + c·planeStride], each row-major, go into t [rows, rowLength] (from tOffset) so that row h·pitch + w
   * holds x[c, h, w] in column c for c &lt; planes and zeros in the columns after; every other row (the pitch gaps
   * and the rows past the last plane row) is zeros. Needs width &lt;= pitch, planes &lt;= rowLength and
   * (height − 1)·pitch + width &lt;= rows.
   */
  public static void channelsLast(float[] x, int xOffset, int planes, int planeStride, int height, int width,
      int pitch, float[] t, int tOffset, int rowLength, int rows) {
    if (planes < 1 || height < 1 || width < 1 || width > pitch || planes > rowLength
        || (long) (height - 1) * pitch + width > rows) {
      throw new IllegalArgumentException("channelsLast: %d planes of %dx%d at pitch %d into %d rows of %d"
          .formatted(planes, height, width, pitch, rows, rowLength));
    }
    Objects.checkFromIndexSize(xOffset, (long) (planes - 1) * planeStride + (long) height * width, x.length);
    Objects.checkFromIndexSize(tOffset, (long) rows * rowLength, t.length);
    KERNEL.channelsLast(x, xOffset, planes, planeStride, height, width, pitch, t, tOffset, rowLength, rows);
  }

  /** Σ x over the runs, in double. */
  public static double sum(float[] x, int offset, int rows, int stride, int length) {
    runs(x, offset, rows, stride, length);
    return KERNEL.sum(x, offset, rows, stride, length);
  }

  /** Σ (x − mean)² over the runs, in double. */
  public static double sumSquaredDeviations(float[] x, double mean, int offset, int rows, int stride, int length) {
    runs(x, offset, rows, stride, length);
    return KERNEL.sumSquaredDeviations(x, mean, offset, rows, stride, length);
  }

  /** Over the runs, in float: y = gamma·x̂ + beta with x̂ = (x − mean)·rstd. */
  public static void batchNorm(float[] x, float mean, float rstd, float gamma, float beta, float[] y, int offset,
      int rows, int stride, int length) {
    runs(x, offset, rows, stride, length);
    runs(y, offset, rows, stride, length);
    KERNEL.batchNorm(x, mean, rstd, gamma, beta, y, offset, rows, stride, length);
  }

  /**
   * sums[at] = Σ dy and sums[at + 1] = Σ dy·x̂ over the runs, x̂ = (x − mean)·rstd as in {@link #batchNorm}: each
   * product rounded to float, as Java's {@code dy * xhat}, the sums in double.
   */
  public static void batchNormSums(float[] dy, float[] x, float mean, float rstd, int offset, int rows, int stride,
      int length, double[] sums, int at) {
    runs(dy, offset, rows, stride, length);
    runs(x, offset, rows, stride, length);
    Objects.checkFromIndexSize(at, 2, sums.length);
    KERNEL.batchNormSums(dy, x, mean, rstd, offset, rows, stride, length, sums, at);
  }

  /**
   * Over the runs, in float: dx = scale·(dy − meanDy − x̂·meanDyXhat), left to right, x̂ as in {@link #batchNorm};
   * when {@code rectified}, dx = 0 where x is not &gt; 0, which is the backward of a ReLU that produced x folded in.
   */
  public static void batchNormBackward(float[] dy, float[] x, float mean, float rstd, float scale, float meanDy,
      float meanDyXhat, boolean rectified, float[] dx, int offset, int rows, int stride, int length) {
    runs(dy, offset, rows, stride, length);
    runs(x, offset, rows, stride, length);
    runs(dx, offset, rows, stride, length);
    KERNEL.batchNormBackward(dy, x, mean, rstd, scale, meanDy, meanDyXhat, rectified, dx, offset, rows, stride,
        length);
  }

  /**
   * 2x2 max pooling with stride 2, floor mode, of planes [from, to): x [·, h, w] -> y [·, h/2, w/2]. window gets
   * the position of each maximum in its window, 0..3 in row-major order. The positions are visited in that
   * order and each replaces the running maximum if it is greater or NaN: the first maximum wins a tie, a NaN
   * wins over numbers (the last NaN, if several), as PyTorch's CPU kernel.
   */
  public static void maxPool2x2(float[] x, float[] y, byte[] window, int from, int to, int h, int w) {
    planes(x.length, from, to, h * w);
    planes(y.length, from, to, (h / 2) * (w / 2));
    planes(window.length, from, to, (h / 2) * (w / 2));
    KERNEL.maxPool2x2(x, y, window, from, to, h, w);
  }

  /**
   * The gradient of {@link #maxPool2x2}, planes [from, to) written whole: each window of dx gets dy at its
   * maximum and 0 elsewhere; the last row and column, when h or w is odd, are 0.
   */
  public static void maxPool2x2Backward(float[] dy, byte[] window, float[] dx, int from, int to, int h, int w) {
    planes(dy.length, from, to, (h / 2) * (w / 2));
    planes(window.length, from, to, (h / 2) * (w / 2));
    planes(dx.length, from, to, h * w);
    KERNEL.maxPool2x2Backward(dy, window, dx, from, to, h, w);
  }

  /**
   * Max or average pooling of k x k windows at a stride, floor mode, on planes whose every position holds
   * {@code lanes} independent values (samples side by side): x [planes, h, w, lanes] -> y [planes, oh, ow, lanes],
   * oh = (h − k) / stride + 1. Each lane takes its window's elements in row-major order as {@code MaxPool2d}
   * and {@code AvgPool2d} do: for max, an element replaces the running maximum (from the first) if it is greater
   * or NaN; for average, the sum from +0 times 1/k².
   */
  public static void poolLanes(boolean max, float[] x, float[] y, int planes, int h, int w, int kernel, int stride,
      int lanes) {
    if (planes < 0 || lanes < 1 || kernel < 1 || stride < 1 || h < kernel || w < kernel) {
      throw new IllegalArgumentException("poolLanes: %d planes of %dx%d x %d lanes, kernel %d, stride %d"
          .formatted(planes, h, w, lanes, kernel, stride));
    }
    long oh = (h - kernel) / stride + 1;
    long ow = (w - kernel) / stride + 1;
    Objects.checkFromIndexSize(0, (long) planes * h * w * lanes, x.length);
    Objects.checkFromIndexSize(0, planes * oh * ow * lanes, y.length);
    KERNEL.poolLanes(max, x, y, planes, h, w, kernel, stride, lanes);
  }

  private static void range(float[] x, int from, int to) {
    Objects.checkFromToIndex(from, to, x.length);
  }

  private static void runs(float[] x, int offset, int rows, int stride, int length) {
    if (rows < 0 || length < 0 || stride < 0) {
      throw new IllegalArgumentException("negative rows, stride or length: " + rows + ", " + stride + ", " + length);
    }
    if (rows > 0 && length > 0) {
      Objects.checkFromIndexSize(offset, (long) (rows - 1) * stride + length, x.length);
    }
  }

  private static void planes(int length, int from, int to, int planeSize) {
    Objects.checkFromToIndex((long) from * planeSize, (long) to * planeSize, length);
  }
}
