package dev.backprop.layers;

import dev.backprop.tensor.Gemm;
import dev.backprop.tensor.Kernels;
import java.util.Arrays;

/**
 * One way to compute {@link Conv2d}'s three products for one {@link ConvGeometry}: {@link DirectConvolution} (the
 * definition, plain loops), {@link Im2colConvolution} and {@link ShiftedConvolution} (matrix products). A strategy
 * works on a group of samples at a time with one worker's scratch, so that {@link Conv2d} can run groups in
 * parallel; what the strategies share lives here: the zero-padded copy of a sample, the output stage (bias, then the
 * fused ReLU and eval BatchNorm of {@link Sequential}), and dOut laid out at the column pitch, as rows or transposed.
 *
 * <p>The weight gradient goes into a buffer laid out as dWᵀ [C·k·k, {@link ConvGeometry#gradientWidth}] (then db
 * [O]): the matrix products compute it as dWᵀ = windows · dOutᵀ, outer products whose every element is one fma
 * chain over the output positions, sample after sample, and {@link #addChunkGradients} transposes when it adds
 * the chunks' sums into the parameter's gradient.
 */
abstract class ConvStrategy {
  /** What the output pass applies after the bias: a ReLU, then an eval-mode BatchNorm (or null). */
  record OutputStage(boolean relu, BatchNorm2d norm) {
    static final OutputStage NONE = new OutputStage(false, null);
  }

  final ConvGeometry g;
  final Parameter weight; // [O, C, k, k]
  final Parameter bias; // [O], or null
  private float[][] padded; // per worker: [C, Hp, Wp] and a margin of zeros; the border stays zero
  private float[][] gradientColumns; // per worker, during backward: dOutᵀ [gradientRows(), gradientWidth]

  ConvStrategy(ConvGeometry g, Parameter weight, Parameter bias) {
    this.g = g;
    this.weight = weight;
    this.bias = bias;
  }

  /**
   * The strategy for a geometry: the forced one, or by shape (AUTO): shifted windows for stride 1 when one sample
   * fills a product and there are at least 4 input channels, im2col otherwise.
   */
  static ConvStrategy of(Conv2d.Algorithm algorithm, ConvGeometry g, Parameter weight, Parameter bias) {
    Conv2d.Algorithm chosen = algorithm;
    if (chosen == Conv2d.Algorithm.AUTO) {
      boolean shifted = g.stride() == 1 && g.group() == 1 && g.inChannels() >= 4;
      chosen = shifted ? Conv2d.Algorithm.SHIFTED : Conv2d.Algorithm.IM2COL;
    }
    return switch (chosen) {
      case DIRECT -> new DirectConvolution(g, weight, bias);
      case SHIFTED -> new ShiftedConvolution(g, weight, bias);
      case IM2COL, AUTO -> new Im2colConvolution(g, weight, bias);
    };
  }

  /** The name {@code summary --verbose} shows. */
  abstract String name();

  /** Samples one call of {@link #forward} or {@link #backward} takes at most. */
  int samplesPerProduct() {
    return g.group();
  }

  /** Sizes the per-worker scratch for {@code threads} workers before a parallel forward or backward pass. */
  void prepare(int threads, boolean backward) {
    // The shifted windows of the last rows read up to columns − span past the last plane: zeros.
    padded = Scratch.buffers(padded, threads, g.inChannels() * g.paddedPlane() + Gemm.columnMultiple());
    if (backward && gradientRows() > 0) {
      gradientColumns = Scratch.buffers(gradientColumns, threads, gradientRows() * g.gradientWidth());
    }
  }

  /** The rows of dOutᵀ one product of the weight gradient takes (k of dWᵀ = windows · dOutᵀ); 0 for none. */
  int gradientRows() {
    return 0;
  }

  /** out [N, O, OH, OW] of samples [start, end) (at most one group) from x [N, C, H, W], through the stage. */
  abstract void forward(float[] x, int start, int end, int worker, float[] out, OutputStage stage);

  /**
   * Whether {@link #forwardChannels} can compute a sample's output channels in parts, so that a batch smaller than
   * the thread count (batch-1 inference) still runs on every thread.
   */
  boolean splitsOutputChannels() {
    return false;
  }

  /**
   * Output channels [from, to) of sample s, through the stage: what {@link #forward} writes there, the same bits
   * (each output element is its own chain, whichever rows a product holds). Only where
   * {@link #splitsOutputChannels}.
   */
  void forwardChannels(float[] x, int s, int from, int to, int worker, float[] out, OutputStage stage) {
    throw new UnsupportedOperationException(name() + " does not split output channels");
  }

  /**
   * For samples [start, end) (at most one group): their dx [N, C, H, W] (none when dx is null), and Σ
   * windows·dOut over them into dWᵀ[C·k·k, gradientWidth] (added to what is there unless {@code first}).
   */
  abstract void backward(float[] x, float[] dOut, int start, int end, int worker, float[] dW, boolean first,
      float[] dx);

  /**
   * Adds the chunks' sums, in chunk order, into the parameters' gradients: each chunk's dWᵀ transposed into dW
   * [O, C·k·k], and its db.
   */
  final void addChunkGradients(float[][] chunks) {
    float[] dW = weight.grad().data();
    float[] db = bias != null ? bias.grad().data() : null;
    int patch = g.patch();
    int width = g.gradientWidth();
    int biasAt = g.biasGradientOffset();
    for (float[] sums : chunks) {
      for (int o = 0; o < g.outChannels(); o++) {
        for (int q = 0; q < patch; q++) {
          dW[o * patch + q] += sums[q * width + o];
        }
      }
      for (int o = 0; db != null && o < g.outChannels(); o++) {
        db[o] += sums[biasAt + o];
      }
    }
  }

  /** db sums of samples [start, end) into grads[biasGradientOffset ...], added unless {@code first}. */
  final void biasGradient(float[] dOut, int start, int end, float[] grads, boolean first) {
    if (bias == null) {
      return;
    }
    int ohw = g.outPlane();
    int at = g.biasGradientOffset();
    for (int o = 0; o < g.outChannels(); o++) {
      float sum = (float) Kernels.sum(dOut, (start * g.outChannels() + o) * ohw, end - start,
          g.outChannels() * ohw, ohw);
      grads[at + o] = first ? sum : grads[at + o] + sum;
    }
  }

  /** The worker's zero-padded copy of sample s. */
  final float[] paddedInput(float[] x, int s, int worker) {
    float[] p = padded[worker];
    int size = g.inChannels() * g.inH() * g.inW();
    int inOffset = s * size;
    if (g.padding() == 0) {
      System.arraycopy(x, inOffset, p, 0, size);
      return p;
    }
    for (int c = 0; c < g.inChannels(); c++) {
      for (int h = 0; h < g.inH(); h++) {
        System.arraycopy(x, inOffset + (c * g.inH() + h) * g.inW(), p,
            (c * g.paddedH() + h + g.padding()) * g.paddedW() + g.padding(), g.inW());
      }
    }
    return p;
  }

  /** The outputs of samples [start, end) from a product's result [O, ld] at the column pitch, through the stage. */
  final void writeOutputs(float[] result, int ld, int start, int end, float[] out, OutputStage stage) {
    writeOutputs(result, ld, start, end, 0, g.outChannels(), out, stage);
  }

  /** {@link #writeOutputs} of output channels [from, to) only, from rows [from, to) of the result. */
  final void writeOutputs(float[] result, int ld, int start, int end, int from, int to, float[] out,
      OutputStage stage) {
    for (int s = start; s < end; s++) {
      int base = (s - start) * g.span();
      for (int o = from; o < to; o++) {
        int plane = (s * g.outChannels() + o) * g.outPlane();
        for (int oh = 0; oh < g.outH(); oh++) {
          System.arraycopy(result, o * ld + base + oh * g.pitch(), out, plane + oh * g.outW(), g.outW());
        }
        finishPlane(out, plane, o, stage);
      }
    }
  }

  /**
   * The output stage of plane o at {@code plane}: + bias, then the stage's ReLU and BatchNorm, in place, in one pass
   * ({@link Kernels#outputStage}: the bits of the three layers one after the other).
   */
  final void finishPlane(float[] out, int plane, int o, OutputStage stage) {
    finish(out, plane, plane + g.outPlane(), bias, o, stage);
  }

  /** The output stage of channel o on out[from, to): + bias (when there is one), then the stage's ReLU and BatchNorm. */
  static void finish(float[] out, int from, int to, Parameter bias, int o, OutputStage stage) {
    BatchNorm2d norm = stage.norm();
    Kernels.outputStage(out, from, to, bias != null, bias != null ? bias.value().data()[o] : 0f,
        stage.relu(), norm != null, norm != null ? norm.evalMean(o) : 0f, norm != null ? norm.evalRstd(o) : 0f,
        norm != null ? norm.weight().value().data()[o] : 0f, norm != null ? norm.bias().value().data()[o] : 0f);
  }

  /**
   * dOut of samples [start, end) side by side in rows of {@code row} floats, from column {@code from} of each row,
   * at the column pitch, with zeros everywhere else in the rows (the pitch gaps, the columns past the samples and
   * the first {@code from} columns), so that whatever the windows hold there adds nothing to dW.
   */
  final void widenGradient(float[] dOut, int start, int end, float[] dOutWide, int from, int row) {
    int ohw = g.outPlane();
    int channels = g.outChannels();
    for (int o = 0; o < channels; o++) {
      Arrays.fill(dOutWide, o * row, o * row + from, 0f);
    }
    for (int s = start; s < end; s++) {
      int outOffset = s * channels * ohw;
      int base = from + (s - start) * g.span();
      for (int o = 0; o < channels; o++) {
        for (int oh = 0; oh < g.outH(); oh++) {
          int to = o * row + base + oh * g.pitch();
          System.arraycopy(dOut, outOffset + (o * g.outH() + oh) * g.outW(), dOutWide, to, g.outW());
          if (oh < g.outH() - 1) {
            Arrays.fill(dOutWide, to + g.outW(), to + g.pitch(), 0f);
          }
        }
      }
    }
    int used = from + (end - start) * g.span();
    for (int o = 0; o < channels; o++) {
      Arrays.fill(dOutWide, o * row + used, (o + 1) * row, 0f);
    }
  }

  /**
   * dOutᵀ of samples [start, end) in the worker's buffer: row r, for r &lt; {@code rows} (at most
   * {@link #gradientRows()}), holds the O channels of column r of the samples side by side at the column pitch, then
   * zeros up to the gradient width; rows where that column is no output position (the pitch gaps and the columns
   * past the samples) are zeros, so that whatever the windows hold there adds nothing to dWᵀ.
   */
  final float[] transposedGradient(float[] dOut, int start, int end, int worker, int rows) {
    float[] t = gradientColumns[worker];
    int channels = g.outChannels();
    int width = g.gradientWidth();
    int samples = end - start;
    for (int s = start; s < end; s++) {
      // Sample s's rows, up to the next sample's first row (or the last row): its pitch gaps and what follows its
      // last output row are zeros.
      int firstRow = (s - start) * g.span();
      int sampleRows = s < end - 1 ? g.span() : rows - (samples - 1) * g.span();
      Kernels.channelsLast(dOut, s * channels * g.outPlane(), channels, g.outPlane(), g.outH(), g.outW(), g.pitch(),
          t, firstRow * width, width, sampleRows);
    }
    return t;
  }

  /** dx of sample s: the interior of dPadded (plane c from c·planeStride), without the zero border. */
  final void unpad(float[] dPadded, int planeStride, int s, float[] dx) {
    int inPlane = g.inH() * g.inW();
    int inOffset = s * g.inChannels() * inPlane;
    if (g.padding() == 0) {
      for (int c = 0; c < g.inChannels(); c++) {
        System.arraycopy(dPadded, c * planeStride, dx, inOffset + c * inPlane, inPlane);
      }
      return;
    }
    for (int c = 0; c < g.inChannels(); c++) {
      for (int h = 0; h < g.inH(); h++) {
        System.arraycopy(dPadded, c * planeStride + (h + g.padding()) * g.paddedW() + g.padding(), dx,
            inOffset + (c * g.inH() + h) * g.inW(), g.inW());
      }
    }
  }
}
