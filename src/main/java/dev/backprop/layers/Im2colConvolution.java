package dev.backprop.layers;

import dev.backprop.tensor.Gemm;
import dev.backprop.tensor.Kernels;
import java.util.Arrays;

/**
 * The convolution as three matrix products over the im2col matrix of a group of samples (the same as
 * {@link DirectConvolution}, faster because {@link Gemm} runs the multiply-adds at vector speed on a layout made
 * for it):
 *
 * <pre>
 *   col[C·k·k, n]    row (c, ki, kj), column i·span + oh·pitch + ow  =  sample i's padded[c, oh·stride + ki, ow·stride + kj]
 *   forward          out[O, n]      = W[O, C·k·k] · col
 *   weight gradient  dWᵀ[C·k·k, O] += col · dOutᵀ[n, O]
 *   input gradient   dcol[C·k·k, n] = Wᵀ · dOut,  then col2im adds dcol into dPadded[C, Hp, Wp]
 * </pre>
 *
 * With stride 1 each row of col is one contiguous run of the padded plane ({@link ConvGeometry}), so im2col and
 * col2im are block copies and shifted vector adds rather than per-pixel gathers with bounds tests (which cost more
 * than the products: 24 → 8 ms per batch of 128 on a 16→16 layer). Backward rebuilds col rather than keeping N of
 * them from forward.
 */
final class Im2colConvolution extends ConvStrategy {
  private float[][] cols; // per worker: [C·k·k, n]
  private float[][] wide; // per worker: [O, n], out (forward) or dOut (backward) at the column pitch
  private float[][] gradCols; // per worker: [C·k·k, n]
  private float[][] gradPadded; // per worker: [C, Hp, Wp]
  private final int sampleSize; // C·H·W
  // Without padding, stride 1: where row (c, ki, kj) of a sample's windows starts in the sample (the weight
  // gradient reads them in place, as ShiftedConvolution does); null otherwise.
  private final int[] windowOffsets;

  Im2colConvolution(ConvGeometry g, Parameter weight, Parameter bias) {
    super(g, weight, bias);
    sampleSize = g.inChannels() * g.inH() * g.inW();
    if (g.stride() == 1 && g.padding() == 0) {
      int k = g.kernel();
      windowOffsets = new int[g.patch()];
      for (int c = 0; c < g.inChannels(); c++) {
        for (int ki = 0; ki < k; ki++) {
          for (int kj = 0; kj < k; kj++) {
            windowOffsets[(c * k + ki) * k + kj] = c * g.paddedPlane() + ki * g.paddedW() + kj;
          }
        }
      }
    } else {
      windowOffsets = null;
    }
  }

  @Override
  String name() {
    return "im2col (" + g.group() + (g.group() == 1 ? " sample" : " samples") + " per product)";
  }

  @Override
  int gradientRows() {
    return g.columns();
  }

  @Override
  void prepare(int threads, boolean backward) {
    super.prepare(threads, backward);
    cols = Scratch.buffers(cols, threads, g.patch() * g.columns());
    wide = Scratch.buffers(wide, threads, g.outChannels() * g.columns());
    if (backward) {
      gradCols = Scratch.buffers(gradCols, threads, g.patch() * g.columns());
      gradPadded = Scratch.buffers(gradPadded, threads, g.inChannels() * g.paddedPlane());
    }
  }

  /**
   * The columns a product over samples [start, end) computes: their spans rounded up to
   * {@link Gemm#columnMultiple()}, fewer than a full group's in the last group of a batch (at batch 1, a 3 x 3 output
   * took 528 columns for 13). The columns left out are no output positions: their dOut is zero, so the weight
   * gradient's chains are the same without them.
   */
  private int columnsFor(int start, int end) {
    return ConvGeometry.roundUp((end - start) * g.span(), Gemm.columnMultiple());
  }

  @Override
  void forward(float[] x, int start, int end, int worker, float[] out, OutputStage stage) {
    int ckk = g.patch();
    int ld = g.columns();
    im2colGroup(x, start, end, worker);
    Gemm.gemm(false, false, g.outChannels(), columnsFor(start, end), ckk, weight.value().data(), 0, ckk,
        cols[worker], 0, ld, wide[worker], 0, ld, false);
    writeOutputs(wide[worker], ld, start, end, out, stage);
  }

  @Override
  void backward(float[] x, float[] dOut, int start, int end, int worker, float[] dW, boolean first, float[] dx) {
    int ckk = g.patch();
    int ld = g.columns();
    int n = columnsFor(start, end);
    int width = g.gradientWidth();
    if (windowOffsets != null) {
      // Without padding, stride 1: the windows read in x itself, a sample at a time over its span (the chain
      // continues from sample to sample), from L1 instead of the group's columns in L2, and not copied.
      for (int s = start; s < end; s++) {
        Gemm.gemmARowOffsets(ckk, width, g.span(), x, s * sampleSize, windowOffsets,
            transposedGradient(dOut, s, s + 1, worker, g.span()), 0, width, dW, 0, width, !(first && s == start));
      }
    } else {
      im2colGroup(x, start, end, worker);
      Gemm.gemm(false, false, ckk, width, n, cols[worker], 0, ld, transposedGradient(dOut, start, end, worker, n),
          0, width, dW, 0, width, !first);
    }
    if (dx == null) {
      return;
    }
    float[] dOutWide = wide[worker];
    widenGradient(dOut, start, end, dOutWide, 0, ld);
    float[] gradCol = gradCols[worker];
    Gemm.gemm(true, false, ckk, n, g.outChannels(), weight.value().data(), 0, ckk, dOutWide, 0, ld, gradCol, 0, ld,
        false);
    float[] dPadded = gradPadded[worker];
    for (int s = start; s < end; s++) {
      Arrays.fill(dPadded, 0f);
      col2im(gradCol, (s - start) * g.span(), dPadded);
      unpad(dPadded, g.paddedPlane(), s, dx);
    }
  }

  /** The im2col columns of samples [start, end) side by side in the worker's col. */
  private void im2colGroup(float[] x, int start, int end, int worker) {
    for (int s = start; s < end; s++) {
      im2col(paddedInput(x, s, worker), cols[worker], (s - start) * g.span());
    }
  }

  // One sample's padded planes x[C, Hp, Wp] -> its span of columns of col[C·k·k, n], from column base.
  private void im2col(float[] x, float[] col, int base) {
    int k = g.kernel();
    for (int c = 0; c < g.inChannels(); c++) {
      for (int ki = 0; ki < k; ki++) {
        for (int kj = 0; kj < k; kj++) {
          int row = ((c * k + ki) * k + kj) * g.columns() + base;
          int src = c * g.paddedPlane() + ki * g.paddedW() + kj;
          if (g.stride() == 1) {
            System.arraycopy(x, src, col, row, g.span());
            continue;
          }
          for (int oh = 0; oh < g.outH(); oh++) {
            int from = src + oh * g.stride() * g.paddedW();
            int to = row + oh * g.pitch();
            for (int ow = 0; ow < g.outW(); ow++) {
              col[to + ow] = x[from + ow * g.stride()];
            }
          }
        }
      }
    }
  }

  // The adjoint of im2col: adds the span of columns of col[C·k·k, n] from base into the padded planes dx[C, Hp, Wp].
  private void col2im(float[] col, int base, float[] dx) {
    int k = g.kernel();
    for (int c = 0; c < g.inChannels(); c++) {
      for (int ki = 0; ki < k; ki++) {
        for (int kj = 0; kj < k; kj++) {
          int row = ((c * k + ki) * k + kj) * g.columns() + base;
          int dst = c * g.paddedPlane() + ki * g.paddedW() + kj;
          if (g.stride() == 1) {
            Kernels.addShifted(col, row, dx, dst, g.span());
            continue;
          }
          for (int oh = 0; oh < g.outH(); oh++) {
            int to = dst + oh * g.stride() * g.paddedW();
            int from = row + oh * g.pitch();
            for (int ow = 0; ow < g.outW(); ow++) {
              dx[to + ow * g.stride()] += col[from + ow];
            }
          }
        }
      }
    }
  }
}
