package dev.backprop.layers;

import dev.backprop.tensor.Gemm;

/**
 * The sizes of one convolution on one input size: output, zero-padded input [C, Hp, Wp], and the column layout the
 * product strategies share. Output row oh of a sample sits at columns oh·pitch .. oh·pitch + OW − 1 of its span;
 * with stride 1 the pitch is Wp, so that row (c, ki, kj) of the im2col matrix is one contiguous run of the padded
 * plane from ki·Wp + kj. A product holds {@code group} samples side by side (span columns each), so that small
 * late layers still make products wide enough to run at speed, and its column count rounds up to
 * {@link Gemm#columnMultiple()}: the columns past the last sample, and the pitch − OW past each row, are not outputs.
 */
record ConvGeometry(int inChannels, int outChannels, int kernel, int stride, int padding, int inH, int inW,
    int outH, int outW, int paddedH, int paddedW, int pitch, int span, int group, int columns) {

  /** Columns a group of samples aims at: wide enough for the products, small enough for L2. */
  static final int GROUP_COLUMNS = 512;

  static ConvGeometry of(int inChannels, int outChannels, int kernel, int stride, int padding, int inH, int inW) {
    int outH = outSize(inH, kernel, stride, padding);
    int outW = outSize(inW, kernel, stride, padding);
    int paddedW = inW + 2 * padding;
    int pitch = stride == 1 ? paddedW : outW;
    int span = (outH - 1) * pitch + outW;
    int group = Math.max(1, GROUP_COLUMNS / span);
    int columns = roundUp(group * span, Gemm.columnMultiple());
    return new ConvGeometry(inChannels, outChannels, kernel, stride, padding, inH, inW, outH, outW,
        inH + 2 * padding, paddedW, pitch, span, group, columns);
  }

  static int outSize(int size, int kernel, int stride, int padding) {
    if (size + 2 * padding < kernel) {
      throw new IllegalArgumentException(
          "Conv2d: input size " + size + " (padding " + padding + ") is smaller than the kernel " + kernel);
    }
    return (size + 2 * padding - kernel) / stride + 1;
  }

  static int roundUp(int n, int multiple) {
    return (n + multiple - 1) / multiple * multiple;
  }

  /** C·k·k: the rows of the im2col matrix, the inner dimension of the forward product. */
  int patch() {
    return inChannels * kernel * kernel;
  }

  /**
   * The row length of dOutᵀ and dWᵀ in the weight-gradient products: O rounded up to 16, so that a row is whole
   * vectors at every width (1 of 16 lanes, 2 of 8, 4 of 4) and the products run without masked tails, whose code C2
   * compiles well in some runs and 4x slower in others. The extra columns of dOutᵀ are zeros.
   */
  int gradientWidth() {
    return roundUp(outChannels, 16);
  }

  /** Where db starts in a chunk's gradient buffer: after dWᵀ [C·k·k, gradientWidth]. */
  int biasGradientOffset() {
    return patch() * gradientWidth();
  }

  int paddedPlane() {
    return paddedH * paddedW;
  }

  int outPlane() {
    return outH * outW;
  }

  boolean sameInput(int h, int w) {
    return h == inH && w == inW;
  }
}
