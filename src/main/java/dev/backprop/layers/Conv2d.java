package dev.backprop.layers;

import dev.backprop.tensor.Gemm;
import dev.backprop.tensor.Parallel;
import dev.backprop.tensor.Rng;
import dev.backprop.tensor.Tensor;
import java.util.Arrays;
import java.util.List;

/**
 * 2-D convolution (cross-correlation, as in PyTorch) with a square kernel, stride and zero padding, computed per
 * sample as one matrix product over the im2col matrix:
 *
 * <pre>
 *   col[C·k·k, OH·OW]   im2col of one input sample [C, H, W]
 *   forward      out[O, OH·OW]   = W[O, C·k·k] · col                 (+ bias per row)
 *   backward     dW[O, C·k·k]   += dOut[O, OH·OW] · colᵀ             (samples added in order 0..N-1)
 *                dcol[C·k·k, OH·OW] = Wᵀ · dOut,  then col2im adds dcol into dInput[C, H, W]
 * </pre>
 *
 * OH = (H + 2·padding − k) / stride + 1 (floor), likewise OW. The input is kept (not copied) from forward to
 * backward, and backward rebuilds each sample's col rather than storing N of them; the caller must not change
 * the input in between.
 *
 * <p>Samples run in parallel ({@link Parallel}), each worker with its own col and dcol. For dW and db the batch
 * is cut into at most {@link #MAX_CHUNKS} chunks of consecutive samples, a number that depends on N only: each
 * chunk sums its samples in order into its own buffer, and the caller then adds the chunk sums to the gradients
 * in chunk order. The result is the same bit for bit with any number of threads.
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

  private Tensor input; // cached by forward for backward
  private int inH;
  private int inW;
  private int outH;
  private int outW;
  private Tensor output;
  private Tensor gradInput;
  private Tensor gradOutput; // during backward
  private float[][] cols; // per worker: [C·k·k, OH·OW]
  private float[][] gradCols; // per worker: [C·k·k, OH·OW]
  private float[][] chunkGrads; // per chunk: dW [O·C·k·k] then db [O]
  private final Parallel.Body forwardSamples = this::forwardSamples;
  private final Parallel.Body backwardSamples = this::backwardSamples;

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
    Shapes.requireRank(x, 4, "Conv2d");
    checkChannels(x.dim(1));
    int n = x.dim(0);
    inH = x.dim(2);
    inW = x.dim(3);
    outH = outSize(inH);
    outW = outSize(inW);
    input = x;
    output = Tensor.reuseOrAllocate(output, n, outChannels, outH, outW);
    cols = Shapes.buffers(cols, Parallel.threads(), inChannels * kernel * kernel * outH * outW);
    Parallel.forRange(n, 1, forwardSamples);
    return output;
  }

  // Samples [start, end) of the forward pass, with the worker's col.
  private void forwardSamples(int chunk, int start, int end, int worker) {
    int ohw = outH * outW;
    int ckk = inChannels * kernel * kernel;
    float[] col = cols[worker];
    float[] out = output.data();
    float[] wt = weight.value().data();
    for (int s = start; s < end; s++) {
      int outOffset = s * outChannels * ohw;
      im2col(input.data(), s * inChannels * inH * inW, inH, inW, col);
      if (bias != null) {
        float[] b = bias.value().data();
        for (int o = 0; o < outChannels; o++) {
          Arrays.fill(out, outOffset + o * ohw, outOffset + (o + 1) * ohw, b[o]);
        }
      }
      Gemm.gemm(false, false, outChannels, ohw, ckk, wt, 0, ckk, col, 0, ohw, out, outOffset, ohw, bias != null);
    }
  }

  // dOut [N, O, OH, OW] -> dx [N, C, H, W]; dW += , db +=
  @Override
  public Tensor backward(Tensor gradOutput) {
    Shapes.requireGradient(gradOutput, output, "Conv2d");
    int n = input.dim(0);
    int ckk = inChannels * kernel * kernel;
    int weights = outChannels * ckk;
    gradInput = Shapes.like(gradInput, input);
    this.gradOutput = gradOutput;
    cols = Shapes.buffers(cols, Parallel.threads(), ckk * outH * outW);
    gradCols = Shapes.buffers(gradCols, Parallel.threads(), ckk * outH * outW);
    int grain = Parallel.grainFor(n, MAX_CHUNKS);
    int chunks = Parallel.chunks(n, grain);
    chunkGrads = Shapes.buffers(chunkGrads, chunks, weights + outChannels);
    try {
      Parallel.forRange(n, grain, backwardSamples);
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

  // Samples [start, end) of the backward pass: dx of each sample, and the chunk's dW and db sums (in order).
  private void backwardSamples(int chunk, int start, int end, int worker) {
    int ohw = outH * outW;
    int ckk = inChannels * kernel * kernel;
    int inSize = inChannels * inH * inW;
    int weights = outChannels * ckk;
    float[] col = cols[worker];
    float[] gradCol = gradCols[worker];
    float[] g = chunkGrads[chunk];
    float[] dOut = gradOutput.data();
    float[] dx = gradInput.data();
    float[] wt = weight.value().data();
    for (int s = start; s < end; s++) {
      boolean first = s == start;
      int outOffset = s * outChannels * ohw;
      int inOffset = s * inSize;
      im2col(input.data(), inOffset, inH, inW, col);
      Gemm.gemm(false, true, outChannels, ckk, ohw, dOut, outOffset, ohw, col, 0, ohw, g, 0, ckk, !first);
      if (bias != null) {
        for (int o = 0; o < outChannels; o++) {
          float sum = 0f;
          for (int i = outOffset + o * ohw, e = i + ohw; i < e; i++) {
            sum += dOut[i];
          }
          g[weights + o] = first ? sum : g[weights + o] + sum;
        }
      }
      Gemm.gemm(true, false, ckk, ohw, outChannels, wt, 0, ckk, dOut, outOffset, ohw, gradCol, 0, ohw, false);
      Arrays.fill(dx, inOffset, inOffset + inSize, 0f);
      col2im(gradCol, dx, inOffset, inH, inW);
    }
  }

  // One sample x[C, H, W] at xOffset -> col[C·k·k, OH·OW]; row (c, ki, kj), column (oh, ow); zero outside.
  private void im2col(float[] x, int xOffset, int h, int w, float[] col) {
    int ohw = outH * outW;
    for (int c = 0; c < inChannels; c++) {
      for (int ki = 0; ki < kernel; ki++) {
        for (int kj = 0; kj < kernel; kj++) {
          int row = ((c * kernel + ki) * kernel + kj) * ohw;
          for (int oh = 0; oh < outH; oh++) {
            int ih = oh * stride - padding + ki;
            int dst = row + oh * outW;
            if (ih < 0 || ih >= h) {
              Arrays.fill(col, dst, dst + outW, 0f);
              continue;
            }
            int src = xOffset + (c * h + ih) * w;
            for (int ow = 0; ow < outW; ow++) {
              int iw = ow * stride - padding + kj;
              col[dst + ow] = iw >= 0 && iw < w ? x[src + iw] : 0f;
            }
          }
        }
      }
    }
  }

  // The adjoint of im2col: adds col[C·k·k, OH·OW] into dx[C, H, W] at dxOffset (padding positions dropped).
  private void col2im(float[] col, float[] dx, int dxOffset, int h, int w) {
    int ohw = outH * outW;
    for (int c = 0; c < inChannels; c++) {
      for (int ki = 0; ki < kernel; ki++) {
        for (int kj = 0; kj < kernel; kj++) {
          int row = ((c * kernel + ki) * kernel + kj) * ohw;
          for (int oh = 0; oh < outH; oh++) {
            int ih = oh * stride - padding + ki;
            if (ih < 0 || ih >= h) {
              continue;
            }
            int src = row + oh * outW;
            int dst = dxOffset + (c * h + ih) * w;
            for (int ow = 0; ow < outW; ow++) {
              int iw = ow * stride - padding + kj;
              if (iw >= 0 && iw < w) {
                dx[dst + iw] += col[src + ow];
              }
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
