package dev.backprop.layers;

import dev.backprop.tensor.Gemm;

/**
 * The convolution's products on shifted windows of the padded input, with no im2col matrix at all (the same as
 * {@link DirectConvolution}, faster because each product reads its operand in place: no im2col, no col2im, C·k·k·n
 * floats fewer written and read three times per sample). For stride 1, row (c, ki, kj) of the im2col matrix is
 * the padded plane c read from ki·Wp + kj on, so the products take it as a table of row offsets into one sample's
 * padded input (the "implicit GEMM" of cuDNN and oneDNN):
 *
 * <pre>
 *   forward          out[O, n]       = W[O, C·k·k] · windows          ({@link Gemm#gemmRowOffsets})
 *   weight gradient  dWᵀ[C·k·k, O]  += windows · dOutᵀ[n, O]          ({@link Gemm#gemmARowOffsets})
 *   input gradient   dPadded[C, q]   = Σ over (o, ki, kj) of W[o, c, ki, kj] · dOut[o, q − ki·Wp − kj]
 * </pre>
 *
 * The input gradient is a product of the same kind: W with its first two axes swapped ([C, O·k·k]) times dOut read
 * from a copy at the column pitch behind margin = (k − 1)·Wp + k − 1 zero columns, so that every (q, ki, kj) that
 * is not an output position reads a zero. It costs Hp·Wp columns per channel instead of the span. One sample per
 * product: {@link Conv2d} picks this for wide stride-1 layers whose sample fills a product alone, with at least 4
 * input channels (with fewer, the input-gradient product, m = C, fills a quarter to three quarters of its 4-row
 * tiles: on ref15k's first layer im2col took 2.9–3.1 ms per batch against 3.1–3.4 shifted).
 */
final class ShiftedConvolution extends ConvStrategy {
  private final int columns; // n: one sample's span, rounded up to Gemm.columnMultiple()
  private final int margin; // zero columns before each row of the margined dOut
  private final int planeColumns; // columns of dPadded: Hp·Wp rounded up to Gemm.columnMultiple()
  private final int gradientRow; // length of a row of the margined dOut
  private final int[] windowOffsets; // [C·k·k]: where row (c, ki, kj) of the windows starts in a padded sample
  private final int[] gradientOffsets; // [O·k·k]: where row (o, ki, kj) starts in the margined dOut
  private final int sampleSize; // C·H·W
  private final int reach; // how far past a sample's start its windows read
  private float[] channelMajorWeights; // during backward: [C, O·k·k], W with its first two axes swapped
  private float[][] wide; // per worker: [O, gradientRow], out (forward) or the margined dOut (backward)
  private float[][] gradPadded; // per worker: [C, planeColumns]

  ShiftedConvolution(ConvGeometry g, Parameter weight, Parameter bias) {
    super(g, weight, bias);
    if (g.stride() != 1) {
      throw new IllegalArgumentException("shifted windows need stride 1, not " + g.stride());
    }
    int k = g.kernel();
    int taps = k * k;
    columns = ConvGeometry.roundUp(g.span(), Gemm.columnMultiple());
    margin = (k - 1) * g.paddedW() + k - 1;
    planeColumns = ConvGeometry.roundUp(g.paddedPlane(), Gemm.columnMultiple());
    gradientRow = margin + Math.max(columns, planeColumns);
    sampleSize = g.inChannels() * g.inH() * g.inW();
    reach = (g.inChannels() - 1) * g.paddedPlane() + (k - 1) * g.paddedW() + k - 1 + columns;
    windowOffsets = new int[g.inChannels() * taps];
    gradientOffsets = new int[g.outChannels() * taps];
    for (int ki = 0; ki < k; ki++) {
      for (int kj = 0; kj < k; kj++) {
        int tap = ki * k + kj;
        int shift = ki * g.paddedW() + kj;
        for (int c = 0; c < g.inChannels(); c++) {
          windowOffsets[c * taps + tap] = c * g.paddedPlane() + shift;
        }
        for (int o = 0; o < g.outChannels(); o++) {
          gradientOffsets[o * taps + tap] = o * gradientRow + margin - shift;
        }
      }
    }
  }

  @Override
  String name() {
    return "shifted windows";
  }

  @Override
  int samplesPerProduct() {
    return 1;
  }

  @Override
  int gradientRows() {
    return columns;
  }

  @Override
  void prepare(int threads, boolean backward) {
    super.prepare(threads, backward);
    wide = Scratch.buffers(wide, threads, g.outChannels() * gradientRow);
    if (backward) {
      gradPadded = Scratch.buffers(gradPadded, threads, g.inChannels() * planeColumns);
      channelMajorWeights = swapFirstAxes(weight.value().data(), channelMajorWeights);
    }
  }

  /**
   * Whether the products can read sample s's windows in x itself rather than in a padded copy: the same as the copy,
   * faster because nothing is copied (0.3 to 0.4 ms per ref15k batch and layer, each way). That needs no padding,
   * and the windows' last rows, which run up to {@code columns − span} past the plane, must stay inside x: they
   * then read the next sample instead of the copy's zeros. Those columns are no output positions, so the forward
   * drops them, and in the weight gradient their dOut is +0: fma(v, +0, s) = s for any finite v whenever s is not
   * −0, and a chain that starts from +0 never is (an exact zero sum rounds to +0). A non-finite activation in the
   * next sample would turn that into NaN, but it makes the batch's loss NaN anyway.
   */
  private boolean readsInPlace(float[] x, int s) {
    return g.padding() == 0 && (long) s * sampleSize + reach <= x.length;
  }

  @Override
  void forward(float[] x, int start, int end, int worker, float[] out, OutputStage stage) {
    int ckk = g.patch();
    for (int s = start; s < end; s++) {
      boolean inPlace = readsInPlace(x, s);
      Gemm.gemmRowOffsets(g.outChannels(), columns, ckk, weight.value().data(), 0, ckk,
          inPlace ? x : paddedInput(x, s, worker), inPlace ? s * sampleSize : 0, windowOffsets, wide[worker], 0,
          columns, false);
      writeOutputs(wide[worker], columns, s, s + 1, out, stage);
    }
  }

  @Override
  boolean splitsOutputChannels() {
    return true;
  }

  @Override
  void forwardChannels(float[] x, int s, int from, int to, int worker, float[] out, OutputStage stage) {
    int ckk = g.patch();
    boolean inPlace = readsInPlace(x, s);
    Gemm.gemmRowOffsets(to - from, columns, ckk, weight.value().data(), from * ckk, ckk,
        inPlace ? x : paddedInput(x, s, worker), inPlace ? s * sampleSize : 0, windowOffsets, wide[worker],
        from * columns, columns, false);
    writeOutputs(wide[worker], columns, s, s + 1, from, to, out, stage);
  }

  @Override
  void backward(float[] x, float[] dOut, int start, int end, int worker, float[] dW, boolean first, float[] dx) {
    int ckk = g.patch();
    int okk = g.outChannels() * g.kernel() * g.kernel();
    int width = g.gradientWidth();
    float[] dOutWide = wide[worker];
    float[] dPadded = gradPadded[worker];
    for (int s = start; s < end; s++) {
      boolean inPlace = readsInPlace(x, s);
      Gemm.gemmARowOffsets(ckk, width, columns, inPlace ? x : paddedInput(x, s, worker), inPlace ? s * sampleSize : 0,
          windowOffsets, transposedGradient(dOut, s, s + 1, worker, columns), 0, width, dW, 0, width,
          !(first && s == start));
      if (dx == null) {
        continue;
      }
      widenGradient(dOut, s, s + 1, dOutWide, margin, gradientRow);
      if (planeColumns == g.inH() * g.inW() && g.padding() == 0) {
        // The planes are whole strips: straight into dx (ref15k's 24 x 24 input of its third layer).
        Gemm.gemmRowOffsets(g.inChannels(), planeColumns, okk, channelMajorWeights, 0, okk, dOutWide, 0,
            gradientOffsets, dx, s * sampleSize, planeColumns, false);
        continue;
      }
      // Into a buffer with planeColumns per channel, not into dx itself: a plane of H·W columns would make the
      // product end in a masked column tail, which C2 sometimes compiles without its intrinsics (every masked load
      // then allocates a vector).
      Gemm.gemmRowOffsets(g.inChannels(), planeColumns, okk, channelMajorWeights, 0, okk, dOutWide, 0,
          gradientOffsets, dPadded, 0, planeColumns, false);
      unpad(dPadded, planeColumns, s, dx);
    }
  }

  /** W[O, C, k·k] as [C, O, k·k], the A operand of the input-gradient product. */
  private float[] swapFirstAxes(float[] w, float[] reuse) {
    int taps = g.kernel() * g.kernel();
    float[] swapped = reuse != null && reuse.length == w.length ? reuse : new float[w.length];
    for (int o = 0; o < g.outChannels(); o++) {
      for (int c = 0; c < g.inChannels(); c++) {
        System.arraycopy(w, (o * g.inChannels() + c) * taps, swapped, (c * g.outChannels() + o) * taps, taps);
      }
    }
    return swapped;
  }
}
