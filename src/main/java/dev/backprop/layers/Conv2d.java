package dev.backprop.layers;

import dev.backprop.tensor.Gemm;
import dev.backprop.tensor.Parallel;
import dev.backprop.tensor.Pointwise;
import dev.backprop.tensor.Rng;
import dev.backprop.tensor.Tensor;
import java.util.Arrays;
import java.util.List;

/**
 * 2-D convolution (cross-correlation, as in PyTorch) with a square kernel, stride and zero padding, computed for a
 * group of samples at a time as matrix products over an im2col matrix of the zero-padded inputs [C, Hp, Wp]
 * (Hp = H + 2·padding):
 *
 * <pre>
 *   col[C·k·k, n]   row (c, ki, kj), column i·span + oh·pitch + ow  →  sample i's padded[c, oh·stride + ki, ow·stride + kj]
 *   forward      out[O, n]     = W[O, C·k·k] · col                  (+ bias per row)
 *   backward     dW[O, C·k·k] += dOut[O, n] · colᵀ                  (samples added in order 0..N-1)
 *                dcol[C·k·k, n] = Wᵀ · dOut,  then col2im adds dcol into dPadded[C, Hp, Wp]
 * </pre>
 *
 * OH = (Hp − k) / stride + 1 (floor), likewise OW. With stride 1 the column pitch is Wp rather than OW: row
 * (c, ki, kj) of col is then one contiguous run of the padded plane, starting at ki·Wp + kj, so im2col and
 * col2im are block copies and adds instead of per-pixel gathers. The pitch − OW columns past each output row
 * are not outputs: forward drops them when it copies out[O, n] into [O, OH, OW], backward feeds zeros there.
 * A sample's outputs take span = (OH − 1)·pitch + OW columns, and the samples of a group sit side by side, so
 * that small late layers (a 5×5 output is 33 columns) still make products wide enough to run at speed. n rounds
 * the group's columns up to {@link Gemm#columnMultiple()}, so that the products run without a masked tail; the
 * columns past the last sample are not outputs either.
 *
 * <p>When one sample fills a product alone (stride 1, span above GROUP_COLUMNS / 2: the large early layers) and
 * there are at least 4 input channels (fewer would leave most of the input-gradient product's row tiles empty),
 * col need not exist at all ("shifted" products): row (c, ki, kj) of col is the padded input read from
 * c·Hp·Wp + ki·Wp + kj, so the products read those shifted windows in place ({@link Gemm#gemmRowOffsets},
 * {@link Gemm#gemmTransposedRowOffsets}), and the input gradient becomes one product of the same kind instead of a
 * product and col2im:
 *
 * <pre>
 *   dPadded[c, q] = Σ over (o, ki, kj) of W[o, c, ki, kj] · dOut[o, q − ki·Wp − kj]
 * </pre>
 *
 * read from a copy of dOut at the column pitch with (k − 1)·Wp + k − 1 zero columns in front, so that every
 * (q, ki, kj) that is not an output position reads a zero. This costs Hp·Wp columns per channel instead of span,
 * and saves writing and reading C·k·k·n floats of col three times per sample.
 *
 * <p>The input is kept (not copied) from forward to backward, and backward rebuilds each sample's col rather
 * than storing N of them; the caller must not change the input in between.
 *
 * <p>Groups run in parallel ({@link Parallel}), each worker with its own scratch. A product gives each column the
 * same value whatever else is beside it ({@link Gemm}), so the outputs do not depend on the grouping. For dW and db
 * the batch is cut into at most {@link #MAX_CHUNKS} chunks of consecutive samples (at least a group each), a cut
 * that depends on N and the layer's geometry only: each chunk sums its groups in order into its own buffer, and
 * the caller then adds the chunk sums to the gradients in chunk order. The result is the same bit for bit with any
 * number of threads.
 */
public final class Conv2d implements Layer {
  private final int inChannels;
  private final int outChannels;
  private final int kernel;
  private final int stride;
  private final int padding;
  private final Parameter weight; // [O, C, k, k]
  private final Parameter bias; // [O], or null
  private final List<Parameter> parameters;

  /** Chunks the batch is cut into for the weight and bias gradients (fewer when N is smaller). */
  static final int MAX_CHUNKS = 32;

  /** Columns a group of samples aims at: wide enough for the products, small enough for L2. */
  private static final int GROUP_COLUMNS = 512;

  private Tensor input; // cached by forward for backward
  private int inH;
  private int inW;
  private int paddedH;
  private int paddedW;
  private int outH;
  private int outW;
  private int pitch; // columns of col (and of the wide output) per output row
  private int span; // columns of one sample
  private int group; // samples per product
  private int columns; // n: columns of col
  private boolean shifted; // stride 1 and one sample per product: no im2col (see the class comment)
  private int[] windowOffsets; // shifted: [C·k·k], where row (c, ki, kj) of col starts in a padded sample
  private int[] gradientOffsets; // shifted: [O·k·k], where row (o, ki, kj) starts in the margined dOut
  private int margin; // shifted: zero columns before each row of the margined dOut
  private int gradientRow; // shifted: length of a row of the margined dOut
  private int planeColumns; // shifted: columns of dPadded, Hp·Wp rounded up to Gemm.columnMultiple()
  private float[] channelMajorWeights; // shifted, during backward: [C, O·k·k], W with its first two axes swapped
  private Tensor output;
  private boolean outputRelu; // during forward: a ReLU applied to the output as it is written
  private BatchNorm2d outputNorm; // during forward: an eval BatchNorm applied after that, or null
  private Tensor gradInput;
  private Tensor gradOutput; // during backward
  private float[][] padded; // per worker: [C, Hp, Wp]; the border stays zero
  private float[][] cols; // per worker: [C·k·k, n]
  private float[][] wide; // per worker: [O, n], out (forward) or dOut (backward) with the column pitch
  private float[][] gradCols; // per worker: [C·k·k, n]
  private float[][] gradPadded; // per worker: [C, Hp, Wp]
  private float[][] chunkGrads; // per chunk: dW [O·C·k·k] then db [O]
  private final Parallel.Body forwardGroups = this::forwardGroups;
  private final Parallel.Body backwardChunk = this::backwardChunk;

  public Conv2d(
      int inChannels, int outChannels, int kernel, int stride, int padding, boolean bias, Rng rng) {
    if (inChannels < 1 || outChannels < 1 || kernel < 1 || stride < 1 || padding < 0) {
      throw new IllegalArgumentException(
          "Conv2d(in=%d, out=%d, kernel=%d, stride=%d, padding=%d): sizes must be positive, padding >= 0"
              .formatted(inChannels, outChannels, kernel, stride, padding));
    }
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernel = kernel;
    this.stride = stride;
    this.padding = padding;
    int fanIn = inChannels * kernel * kernel;
    this.weight = new Parameter("weight", Tensor.zeros(outChannels, inChannels, kernel, kernel));
    Init.kaimingUniform(weight.value(), fanIn, Math.sqrt(5.0), rng);
    if (bias) {
      this.bias = new Parameter("bias", Tensor.zeros(outChannels));
      Init.fanInUniform(this.bias.value(), fanIn, rng);
      this.parameters = List.of(weight, this.bias);
    } else {
      this.bias = null;
      this.parameters = List.of(weight);
    }
  }

  public Parameter weight() {
    return weight;
  }

  public int inChannels() {
    return inChannels;
  }

  public int outChannels() {
    return outChannels;
  }

  public int kernel() {
    return kernel;
  }

  public int stride() {
    return stride;
  }

  public int padding() {
    return padding;
  }

  /** The bias parameter, or null when built without one. */
  public Parameter bias() {
    return bias;
  }

  @Override
  public List<Parameter> parameters() {
    return parameters;
  }

  private int outSize(int size) {
    if (size + 2 * padding < kernel) {
      throw new IllegalArgumentException(
          "Conv2d: input size " + size + " (padding " + padding + ") is smaller than the kernel " + kernel);
    }
    return (size + 2 * padding - kernel) / stride + 1;
  }

  @Override
  public int[] outputShape(int[] inputShape) {
    checkChannels(inputShape[0]);
    return new int[] {outChannels, outSize(inputShape[1]), outSize(inputShape[2])};
  }

  private void checkChannels(int c) {
    if (c != inChannels) {
      throw new IllegalArgumentException("Conv2d expects " + inChannels + " input channels, got " + c);
    }
  }

  // x [N, C, H, W] -> out [N, O, OH, OW]
  @Override
  public Tensor forward(Tensor x, boolean training) {
    return forward(x, training, false, null);
  }

  /**
   * {@code forward(x, training)}, then optionally a ReLU, then optionally an eval-mode BatchNorm over the output
   * channels, applied to each output plane while it is in cache: the bits the separate layers give, without their
   * passes over the whole batch in memory ({@link Sequential}). Backward stays this layer's own: dOut is the
   * gradient of the output before the ReLU.
   */
  Tensor forward(Tensor x, boolean training, boolean relu, BatchNorm2d evalNorm) {
    outputRelu = relu;
    outputNorm = evalNorm;
    try {
      return convolve(x);
    } finally {
      outputRelu = false;
      outputNorm = null;
    }
  }

  private Tensor convolve(Tensor x) {
    Shapes.requireRank(x, 4, "Conv2d");
    checkChannels(x.dim(1));
    int n = x.dim(0);
    if (x.dim(2) != inH || x.dim(3) != inW) {
      padded = null; // its border must be zero for the new size
      windowOffsets = null;
    }
    inH = x.dim(2);
    inW = x.dim(3);
    outH = outSize(inH);
    outW = outSize(inW);
    paddedH = inH + 2 * padding;
    paddedW = inW + 2 * padding;
    pitch = stride == 1 ? paddedW : outW;
    span = (outH - 1) * pitch + outW;
    group = Math.max(1, GROUP_COLUMNS / span);
    columns = roundUp(group * span, Gemm.columnMultiple());
    // With fewer than 4 input channels the shifted input-gradient product (m = C) would fill a quarter to three
    // quarters of its 4-row tiles, while im2col's (m = C·k·k) fills them: on ref15k's first layer (one thread, a
    // batch of 128) im2col's forward and backward took 2.9–3.1 ms against 3.1–3.4 shifted.
    shifted = stride == 1 && group == 1 && inChannels >= 4;
    if (shifted && windowOffsets == null) {
      planShifted();
    }
    input = x;
    output = Tensor.reuseOrAllocate(output, n, outChannels, outH, outW);
    int threads = Parallel.threads();
    sharedScratch(threads);
    if (!shifted) {
      cols = Shapes.buffers(cols, threads, inChannels * kernel * kernel * columns);
    }
    Parallel.forRange(n, group, forwardGroups);
    return output;
  }

  /** The per-worker buffers forward and backward both use, sized for either. */
  private void sharedScratch(int threads) {
    wide = Shapes.buffers(wide, threads, outChannels * (shifted ? gradientRow : columns));
    // The shifted windows of the last rows read up to columns − span past the last plane: zeros.
    padded = Shapes.buffers(padded, threads, inChannels * paddedH * paddedW + Gemm.columnMultiple());
  }

  private static int roundUp(int n, int multiple) {
    return (n + multiple - 1) / multiple * multiple;
  }

  /**
   * The offset tables of the shifted products. Row (c, ki, kj) of col is the padded plane c read from
   * ki·Wp + kj on; in the margined dOut, row o is dOut[o] at its column pitch after {@code margin} zeros, so
   * that dPadded[c, q] = Σ W[o, c, ki, kj] · dOut[o, q − ki·Wp − kj] reads zeros wherever q − ki·Wp − kj is
   * not an output (before the first row, past the last, or in a row's pitch − OW gap).
   */
  private void planShifted() {
    int taps = kernel * kernel;
    int plane = paddedH * paddedW;
    margin = (kernel - 1) * paddedW + kernel - 1;
    planeColumns = roundUp(plane, Gemm.columnMultiple());
    gradientRow = margin + Math.max(columns, planeColumns);
    windowOffsets = new int[inChannels * taps];
    gradientOffsets = new int[outChannels * taps];
    for (int ki = 0; ki < kernel; ki++) {
      for (int kj = 0; kj < kernel; kj++) {
        int tap = ki * kernel + kj;
        int shift = ki * paddedW + kj;
        for (int c = 0; c < inChannels; c++) {
          windowOffsets[c * taps + tap] = c * plane + shift;
        }
        for (int o = 0; o < outChannels; o++) {
          gradientOffsets[o * taps + tap] = o * gradientRow + margin - shift;
        }
      }
    }
  }

  // Samples [start, end), one group, with the worker's scratch.
  private void forwardGroups(int chunk, int start, int end, int worker) {
    int ohw = outH * outW;
    int ckk = inChannels * kernel * kernel;
    float[] result = wide[worker];
    float[] out = output.data();
    float[] wt = weight.value().data();
    float[] b = bias != null ? bias.value().data() : null;
    if (shifted) {
      Gemm.gemmRowOffsets(outChannels, columns, ckk, wt, 0, ckk, paddedInput(start, worker), 0, windowOffsets, result,
          0, columns, false);
    } else {
      im2colGroup(start, end, worker);
      Gemm.gemm(false, false, outChannels, columns, ckk, wt, 0, ckk, cols[worker], 0, columns, result, 0, columns,
          false);
    }
    for (int s = start; s < end; s++) {
      int base = (s - start) * span;
      for (int o = 0; o < outChannels; o++) {
        int plane = (s * outChannels + o) * ohw;
        for (int oh = 0; oh < outH; oh++) {
          System.arraycopy(result, o * columns + base + oh * pitch, out, plane + oh * outW, outW);
        }
        if (b != null) {
          Pointwise.add(out, b[o], out, plane, plane + ohw);
        }
        if (outputRelu) {
          Pointwise.relu(out, out, plane, plane + ohw);
        }
        if (outputNorm != null) {
          outputNorm.normalizeEvalInPlace(out, plane, ohw, o);
        }
      }
    }
  }

  /** The im2col columns of samples [start, end) side by side in the worker's col. */
  private void im2colGroup(int start, int end, int worker) {
    for (int s = start; s < end; s++) {
      im2col(paddedInput(s, worker), cols[worker], (s - start) * span);
    }
  }

  /** The worker's padded copy of sample s. */
  private float[] paddedInput(int s, int worker) {
    float[] x = input.data();
    float[] p = padded[worker];
    int size = inChannels * inH * inW;
    int inOffset = s * size;
    if (padding == 0) {
      System.arraycopy(x, inOffset, p, 0, size);
      return p;
    }
    for (int c = 0; c < inChannels; c++) {
      for (int h = 0; h < inH; h++) {
        System.arraycopy(x, inOffset + (c * inH + h) * inW, p, (c * paddedH + h + padding) * paddedW + padding, inW);
      }
    }
    return p;
  }

  // dOut [N, O, OH, OW] -> dx [N, C, H, W]; dW += , db +=
  @Override
  public Tensor backward(Tensor gradOutput) {
    Shapes.requireGradient(gradOutput, output, "Conv2d");
    int n = input.dim(0);
    int ckk = inChannels * kernel * kernel;
    int weights = outChannels * ckk;
    int threads = Parallel.threads();
    gradInput = Shapes.like(gradInput, input);
    this.gradOutput = gradOutput;
    sharedScratch(threads);
    if (shifted) {
      gradCols = Shapes.buffers(gradCols, threads, inChannels * planeColumns);
      channelMajorWeights = swapFirstAxes(weight.value().data(), channelMajorWeights);
    } else {
      cols = Shapes.buffers(cols, threads, ckk * columns);
      gradCols = Shapes.buffers(gradCols, threads, ckk * columns);
      gradPadded = Shapes.buffers(gradPadded, threads, inChannels * paddedH * paddedW);
    }
    int grain = Math.max(group, Parallel.grainFor(n, MAX_CHUNKS));
    int chunks = Parallel.chunks(n, grain);
    chunkGrads = Shapes.buffers(chunkGrads, chunks, weights + outChannels);
    try {
      Parallel.forRange(n, grain, backwardChunk);
    } finally {
      this.gradOutput = null;
    }
    // The chunks' sums, added in chunk order.
    float[] dW = weight.grad().data();
    float[] db = bias != null ? bias.grad().data() : null;
    for (int c = 0; c < chunks; c++) {
      float[] g = chunkGrads[c];
      for (int i = 0; i < weights; i++) {
        dW[i] += g[i];
      }
      if (db != null) {
        for (int o = 0; o < outChannels; o++) {
          db[o] += g[weights + o];
        }
      }
    }
    return gradInput;
  }

  /** W[O, C, k·k] as [C, O, k·k], the A operand of the shifted input-gradient product. */
  private float[] swapFirstAxes(float[] w, float[] reuse) {
    int taps = kernel * kernel;
    float[] swapped = reuse != null && reuse.length == w.length ? reuse : new float[w.length];
    for (int o = 0; o < outChannels; o++) {
      for (int c = 0; c < inChannels; c++) {
        System.arraycopy(w, (o * inChannels + c) * taps, swapped, (c * outChannels + o) * taps, taps);
      }
    }
    return swapped;
  }

  // Samples [start, end) of the backward pass, group by group: dx of each sample, and the chunk's dW and db sums.
  private void backwardChunk(int chunk, int start, int end, int worker) {
    for (int from = start; from < end; from += group) {
      if (shifted) {
        backwardShifted(from, chunkGrads[chunk], from == start, worker);
      } else {
        backwardGroup(from, Math.min(end, from + group), chunkGrads[chunk], from == start, worker);
      }
    }
  }

  /** As {@link #backwardGroup} for one sample s, on shifted windows of its padded input and of the margined dOut. */
  private void backwardShifted(int s, float[] g, boolean first, int worker) {
    int ckk = inChannels * kernel * kernel;
    int okk = outChannels * kernel * kernel;
    float[] dOutWide = wide[worker];
    widenGradient(s, s + 1, dOutWide, margin, gradientRow);
    Gemm.gemmTransposedRowOffsets(outChannels, ckk, columns, dOutWide, margin, gradientRow, paddedInput(s, worker), 0,
        windowOffsets, g, 0, ckk, !first);
    addBiasGradient(s, s + 1, g, first);
    // Into a buffer with planeColumns per channel, not into dx itself: a plane of H·W columns would make the
    // product end in a masked column tail, which C2 sometimes compiles without its intrinsics (every masked load
    // then allocates a vector).
    float[] dPadded = gradCols[worker];
    Gemm.gemmRowOffsets(inChannels, planeColumns, okk, channelMajorWeights, 0, okk, dOutWide, 0, gradientOffsets,
        dPadded, 0, planeColumns, false);
    unpad(dPadded, planeColumns, s);
  }

  /**
   * dOut of samples [start, end) side by side in rows of {@code row} floats, from column {@code from} of each row,
   * at the column pitch, with zeros everywhere else in the rows (the pitch gaps, the columns past the samples and
   * the first {@code from} columns), so that whatever col holds there adds nothing to dW.
   */
  private void widenGradient(int start, int end, float[] dOutWide, int from, int row) {
    int ohw = outH * outW;
    float[] dOut = gradOutput.data();
    for (int o = 0; o < outChannels; o++) {
      Arrays.fill(dOutWide, o * row, o * row + from, 0f);
    }
    for (int s = start; s < end; s++) {
      int outOffset = s * outChannels * ohw;
      int base = from + (s - start) * span;
      for (int o = 0; o < outChannels; o++) {
        for (int oh = 0; oh < outH; oh++) {
          int to = o * row + base + oh * pitch;
          System.arraycopy(dOut, outOffset + (o * outH + oh) * outW, dOutWide, to, outW);
          if (oh < outH - 1) {
            Arrays.fill(dOutWide, to + outW, to + pitch, 0f);
          }
        }
      }
    }
    int used = from + (end - start) * span;
    for (int o = 0; o < outChannels; o++) {
      Arrays.fill(dOutWide, o * row + used, (o + 1) * row, 0f);
    }
  }

  /** db sums of samples [start, end) into g[O·C·k·k ...], added to what is there unless {@code first}. */
  private void addBiasGradient(int start, int end, float[] g, boolean first) {
    if (bias == null) {
      return;
    }
    int ohw = outH * outW;
    int weights = outChannels * inChannels * kernel * kernel;
    float[] dOut = gradOutput.data();
    for (int o = 0; o < outChannels; o++) {
      float sum = (float) Pointwise.sum(dOut, start * outChannels * ohw + o * ohw, end - start, outChannels * ohw, ohw);
      g[weights + o] = first ? sum : g[weights + o] + sum;
    }
  }

  /** dx of sample s: the interior of dPadded (plane c from c·planeStride), without the zero border. */
  private void unpad(float[] dPadded, int planeStride, int s) {
    float[] dx = gradInput.data();
    int inOffset = s * inChannels * inH * inW;
    if (padding == 0) {
      for (int c = 0; c < inChannels; c++) {
        System.arraycopy(dPadded, c * planeStride, dx, inOffset + c * inH * inW, inH * inW);
      }
      return;
    }
    for (int c = 0; c < inChannels; c++) {
      for (int h = 0; h < inH; h++) {
        System.arraycopy(
            dPadded, c * planeStride + (h + padding) * paddedW + padding, dx, inOffset + (c * inH + h) * inW, inW);
      }
    }
  }

  private void backwardGroup(int start, int end, float[] g, boolean first, int worker) {
    int ckk = inChannels * kernel * kernel;
    float[] col = cols[worker];
    float[] gradCol = gradCols[worker];
    float[] dOutWide = wide[worker];
    float[] wt = weight.value().data();
    widenGradient(start, end, dOutWide, 0, columns);
    im2colGroup(start, end, worker);
    Gemm.gemm(false, true, outChannels, ckk, columns, dOutWide, 0, columns, col, 0, columns, g, 0, ckk, !first);
    addBiasGradient(start, end, g, first);
    Gemm.gemm(true, false, ckk, columns, outChannels, wt, 0, ckk, dOutWide, 0, columns, gradCol, 0, columns, false);
    float[] dPadded = gradPadded[worker];
    for (int s = start; s < end; s++) {
      Arrays.fill(dPadded, 0f);
      col2im(gradCol, (s - start) * span, dPadded);
      unpad(dPadded, paddedH * paddedW, s);
    }
  }

  // One sample's padded planes x[C, Hp, Wp] -> its span of columns of col[C·k·k, n], from column base.
  private void im2col(float[] x, float[] col, int base) {
    int planeSize = paddedH * paddedW;
    for (int c = 0; c < inChannels; c++) {
      for (int ki = 0; ki < kernel; ki++) {
        for (int kj = 0; kj < kernel; kj++) {
          int row = ((c * kernel + ki) * kernel + kj) * columns + base;
          int src = c * planeSize + ki * paddedW + kj;
          if (stride == 1) {
            System.arraycopy(x, src, col, row, span);
            continue;
          }
          for (int oh = 0; oh < outH; oh++) {
            int from = src + oh * stride * paddedW;
            int to = row + oh * pitch;
            for (int ow = 0; ow < outW; ow++) {
              col[to + ow] = x[from + ow * stride];
            }
          }
        }
      }
    }
  }

  // The adjoint of im2col: adds the span of columns of col[C·k·k, n] from base into the padded planes dx[C, Hp, Wp].
  private void col2im(float[] col, int base, float[] dx) {
    int planeSize = paddedH * paddedW;
    for (int c = 0; c < inChannels; c++) {
      for (int ki = 0; ki < kernel; ki++) {
        for (int kj = 0; kj < kernel; kj++) {
          int row = ((c * kernel + ki) * kernel + kj) * columns + base;
          int dst = c * planeSize + ki * paddedW + kj;
          if (stride == 1) {
            Pointwise.addShifted(col, row, dx, dst, span);
            continue;
          }
          for (int oh = 0; oh < outH; oh++) {
            int to = dst + oh * stride * paddedW;
            int from = row + oh * pitch;
            for (int ow = 0; ow < outW; ow++) {
              dx[to + ow * stride] += col[from + ow];
            }
          }
        }
      }
    }
  }

  @Override
  public String toString() {
    return "Conv2d(%d, %d, kernel_size=(%d, %d), stride=(%d, %d)%s%s)"
        .formatted(
            inChannels,
            outChannels,
            kernel,
            kernel,
            stride,
            stride,
            padding == 0 ? "" : ", padding=(%d, %d)".formatted(padding, padding),
            bias == null ? ", bias=False" : "");
  }
}
