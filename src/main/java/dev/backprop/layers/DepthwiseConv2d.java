package dev.backprop.layers;

import dev.backprop.tensor.Kernels;
import dev.backprop.tensor.Parallel;
import dev.backprop.tensor.Rng;
import dev.backprop.tensor.Tensor;
import java.util.Arrays;
import java.util.List;

/**
 * Depthwise 2-D convolution: each channel convolved with its own k × k kernel, PyTorch's
 * {@code nn.Conv2d(C, C, k, stride, padding, groups=C, bias)}; with a 1×1 {@link Conv2d} after it, the
 * depthwise-separable block of MobileNet. Weight [C, 1, k, k], optional bias [C]; x = 0 outside the image:
 *
 * <pre>
 *   forward   x [N, C, H, W] → out [N, C, OH, OW],  OH = (H + 2p − k) / stride + 1 (floor), likewise OW
 *             out[s, c, i, j] = (Σ_ki Σ_kj W[c, 0, ki, kj] · x[s, c, i·stride + ki − p, j·stride + kj − p]) + bias[c]
 *   backward  dW[c, 0, ki, kj] += Σ_s Σ_i Σ_j dOut[s, c, i, j] · x[s, c, i·stride + ki − p, j·stride + kj − p]
 *             db[c]            += Σ_s Σ_i Σ_j dOut[s, c, i, j]
 *             dx[s, c, h, w]    = Σ_ki Σ_kj W[c, 0, ki, kj] · dOut[s, c, i, j]  where i·stride + ki − p = h, ...
 * </pre>
 *
 * Initialised as PyTorch's: fan_in = (C / groups)·k·k = k·k, weight kaiming-uniform (a = √5), bias U(±1/√fan_in).
 *
 * <p>The order of every sum (the canonical order of docs/design.md), the same at any thread count and vector width:
 * <ul>
 *   <li>out: one fma chain over (ki, kj) in order from +0, a tap outside the image reading 0, then + bias;
 *   <li>dW: the batch cut into at most {@link Conv2d#MAX_CHUNKS} chunks of consecutive samples (by N alone, as
 *       Conv2d's dW); per chunk one fma chain per weight over its samples in order and their output positions
 *       (i, j) in row-major order, a tap outside the image reading 0; the chunk sums added in chunk order;
 *   <li>db: per chunk, {@link Kernels#sum} over its samples' planes (in double, {@code KernelSet.foldLanes}'s
 *       order), rounded to float; the chunk sums added in chunk order;
 *   <li>dx: one fma chain from +0 over the taps (ki, kj) in order, a tap that reaches no output position reading 0.
 * </ul>
 * The reference loops below compute each element straight from these definitions. At stride 1 (the separable
 * blocks') the plane loops run instead and give the same bits ({@code DepthwiseConv2dTest}): forward and dx tap by
 * tap over a whole plane at the padded row pitch (one long {@link Kernels#multiplyAddShifted} per tap, vectorised),
 * dW of a 3 × 3 kernel with its nine chains side by side. The forward splits the N·C planes over the threads, the
 * backward the chunks; each worker has its own scratch planes. The input is kept (not copied) from forward to backward.
 */
public final class DepthwiseConv2d implements Layer {
  private final int channels;
  private final int kernel;
  private final int stride;
  private final int padding;
  private final Parameter weight; // [C, 1, k, k]
  private final Parameter bias; // [C], or null
  private final List<Parameter> parameters;
  private boolean referenceLoops; // tests: the definitions instead of the plane loops

  private Tensor input; // cached by forward for backward
  private Tensor output;
  private Tensor gradInput;
  private Tensor gradOutput; // during backward
  private int inH, inW, outH, outW, paddedH, paddedW; // of the last forward
  private float[][] padded; // per worker: one zero-padded input plane [Hp, Wp]; the border stays zero
  private float[][] wide; // per worker: a plane's sums at the padded row pitch (output, or dx's interior rows)
  private float[][] gradientRows; // per worker: dOut of a plane at the padded row pitch after margin() zeros
  private float[][] chunkGrads; // per chunk: dW [C·k·k] then db [C]
  private final Parallel.Body forwardPlanes = this::forwardPlanes;
  private final Parallel.Body backwardChunk = this::backwardChunk;

  public DepthwiseConv2d(int channels, int kernel, int stride, int padding, boolean bias, Rng rng) {
    if (channels < 1 || kernel < 1 || stride < 1 || padding < 0) {
      throw new IllegalArgumentException(
          "DepthwiseConv2d(channels=%d, kernel=%d, stride=%d, padding=%d): sizes must be positive, padding >= 0"
              .formatted(channels, kernel, stride, padding));
    }
    this.channels = channels;
    this.kernel = kernel;
    this.stride = stride;
    this.padding = padding;
    int fanIn = kernel * kernel;
    this.weight = Init.convolutionWeight(fanIn, rng, channels, 1, kernel, kernel);
    this.bias = bias ? Init.bias(channels, fanIn, rng) : null;
    this.parameters = bias ? List.of(weight, this.bias) : List.of(weight);
  }

  public Parameter weight() { return weight; }
  /** The bias parameter, or null when built without one. */
  public Parameter bias() { return bias; }
  public int channels() { return channels; }
  public int kernel() { return kernel; }
  public int stride() { return stride; }
  public int padding() { return padding; }

  @Override
  public List<Parameter> parameters() { return parameters; }

  @Override
  public int[] outputShape(int[] inputShape) {
    Shapes.requireChannels(inputShape[0], channels, "DepthwiseConv2d", "channels");
    return new int[] {channels, ConvGeometry.outSize(inputShape[1], kernel, stride, padding),
        ConvGeometry.outSize(inputShape[2], kernel, stride, padding)};
  }

  /** Which loops run, for {@code summary --verbose}. */
  public String loopsName() {
    return referenceLoops || stride > 1 ? "depthwise (reference loops)" : "depthwise (plane loops)";
  }

  /** Runs the reference loops (the definitions) instead of the plane loops (tests). */
  void useReferenceLoops(boolean reference) {
    this.referenceLoops = reference;
  }

  // x [N, C, H, W] -> out [N, C, OH, OW]
  @Override
  public Tensor forward(Tensor x, boolean training) {
    Shapes.requireRank(x, 4, "DepthwiseConv2d");
    Shapes.requireChannels(x.dim(1), channels, "DepthwiseConv2d", "channels");
    int oh = ConvGeometry.outSize(x.dim(2), kernel, stride, padding);
    int ow = ConvGeometry.outSize(x.dim(3), kernel, stride, padding);
    if (x.dim(2) != inH || x.dim(3) != inW) {
      inH = x.dim(2);
      inW = x.dim(3);
      outH = oh;
      outW = ow;
      paddedH = inH + 2 * padding;
      paddedW = inW + 2 * padding;
      padded = null; // new planes, zero borders and margins for the new size
      wide = null;
      gradientRows = null;
    }
    input = x;
    output = Tensor.reuseOrAllocate(output, x.dim(0), channels, oh, ow);
    int threads = Parallel.threads();
    padded = Scratch.buffers(padded, threads, padding == 0 ? 0 : paddedH * paddedW);
    wide = Scratch.buffers(wide, threads, paddedH * paddedW);
    Parallel.forRange(x.dim(0) * channels, Parallel.grainForItems(oh * ow * kernel * kernel), forwardPlanes);
    return output;
  }

  private void forwardPlanes(int chunk, int from, int to, int worker) {
    for (int plane = from; plane < to; plane++) {
      if (referenceLoops || stride > 1) {
        forwardReference(plane);
      } else {
        forwardPlane(plane, worker);
      }
    }
  }

  /** out of one plane (s·C + c) from the definition, element by element. */
  private void forwardReference(int plane) {
    float[] w = weight.value().data();
    float[] out = output.data();
    int c = plane % channels;
    for (int i = 0; i < outH; i++) {
      for (int j = 0; j < outW; j++) {
        float sum = 0f;
        for (int ki = 0; ki < kernel; ki++) {
          for (int kj = 0; kj < kernel; kj++) {
            sum = Math.fma(w[(c * kernel + ki) * kernel + kj],
                inputAt(plane, i * stride + ki - padding, j * stride + kj - padding), sum);
          }
        }
        out[(plane * outH + i) * outW + j] = bias != null ? sum + bias.value().data()[c] : sum;
      }
    }
  }

  /**
   * out of one plane (stride 1), tap by tap over the whole plane at the padded row pitch Wp: output (i, j) at
   * i·Wp + j, so that a tap reads one contiguous run of the padded plane from ki·Wp + kj (the Wp − OW columns past
   * each row are computed and dropped). Each output gets the chain of the definition.
   */
  private void forwardPlane(int plane, int worker) {
    float[] w = weight.value().data();
    float[] acc = wide[worker];
    float[] src = paddedPlane(plane, worker);
    int base = padding == 0 ? plane * inH * inW : 0;
    int c = plane % channels;
    int span = (outH - 1) * paddedW + outW;
    Arrays.fill(acc, 0, span, 0f);
    for (int ki = 0; ki < kernel; ki++) {
      for (int kj = 0; kj < kernel; kj++) {
        float wk = w[(c * kernel + ki) * kernel + kj];
        Kernels.multiplyAddShifted(wk, src, base + ki * paddedW + kj, acc, 0, span);
      }
    }
    float[] out = output.data();
    float b = bias != null ? bias.value().data()[c] : 0f;
    for (int i = 0; i < outH; i++) {
      int o = (plane * outH + i) * outW;
      if (bias != null) {
        for (int j = 0; j < outW; j++) {
          out[o + j] = acc[i * paddedW + j] + b;
        }
      } else {
        System.arraycopy(acc, i * paddedW, out, o, outW);
      }
    }
  }

  /** x[plane, h, w], or 0 outside the image. */
  private float inputAt(int plane, int h, int w) {
    return h >= 0 && h < inH && w >= 0 && w < inW ? input.data()[(plane * inH + h) * inW + w] : 0f;
  }

  /** dOut[plane, i, j], or 0 where (i, j) is no output position. */
  private float gradientAt(int plane, int i, int j) {
    return i >= 0 && i < outH && j >= 0 && j < outW ? gradOutput.data()[(plane * outH + i) * outW + j] : 0f;
  }

  /**
   * The input plane with its zero border: the worker's padded copy, or without padding the input itself (then the
   * plane starts at plane·H·W, and the row pitch W = Wp).
   */
  private float[] paddedPlane(int plane, int worker) {
    if (padding == 0) {
      return input.data();
    }
    float[] p = padded[worker];
    for (int h = 0; h < inH; h++) {
      System.arraycopy(input.data(), (plane * inH + h) * inW, p, (h + padding) * paddedW + padding, inW);
    }
    return p;
  }

  /** (k − 1)·Wp + k − 1: the zeros before dOut at the row pitch, so that every tap of the input gradient reads. */
  private int margin() {
    return (kernel - 1) * paddedW + kernel - 1;
  }

  @Override
  public Tensor backward(Tensor gradOutput) {
    Shapes.requireGradient(gradOutput, output, "DepthwiseConv2d");
    int n = input.dim(0);
    gradInput = Scratch.like(gradInput, input);
    this.gradOutput = gradOutput;
    int threads = Parallel.threads();
    padded = Scratch.buffers(padded, threads, padding == 0 ? 0 : paddedH * paddedW);
    wide = Scratch.buffers(wide, threads, paddedH * paddedW);
    gradientRows = Scratch.buffers(gradientRows, threads, margin() + paddedH * paddedW);
    int grain = Parallel.grainFor(n, Conv2d.MAX_CHUNKS);
    chunkGrads = Scratch.buffers(chunkGrads, Parallel.chunks(n, grain), channels * (kernel * kernel + 1));
    try {
      Parallel.forRange(n, grain, backwardChunk);
    } finally {
      this.gradOutput = null;
    }
    float[] dW = weight.grad().data();
    float[] db = bias != null ? bias.grad().data() : null;
    int weights = channels * kernel * kernel;
    for (float[] sums : chunkGrads) {
      for (int q = 0; q < weights; q++) {
        dW[q] += sums[q];
      }
      for (int c = 0; db != null && c < channels; c++) {
        db[c] += sums[weights + c];
      }
    }
    return gradInput;
  }

  // Samples [start, end): their dx, and the chunk's dW and db sums.
  private void backwardChunk(int chunk, int start, int end, int worker) {
    float[] sums = chunkGrads[chunk];
    int weights = channels * kernel * kernel;
    Arrays.fill(sums, 0, weights, 0f);
    float[] dOut = gradOutput.data();
    for (int s = start; s < end; s++) {
      for (int c = 0; c < channels; c++) {
        int plane = s * channels + c;
        if (referenceLoops || stride > 1) {
          weightGradientReference(plane, sums);
          inputGradientReference(plane);
        } else {
          if (kernel == 3) {
            weightGradient3x3(plane, worker, sums);
          } else {
            weightGradientReference(plane, sums);
          }
          inputGradientPlane(plane, worker);
        }
      }
    }
    int ohw = outH * outW;
    for (int c = 0; bias != null && c < channels; c++) {
      sums[weights + c] = (float) Kernels.sum(dOut, (start * channels + c) * ohw, end - start, channels * ohw, ohw);
    }
  }

  /** Continues the chains of plane (s·C + c)'s weights in sums[c·k·k ...] over its output positions, in order. */
  private void weightGradientReference(int plane, float[] sums) {
    int c = plane % channels;
    for (int ki = 0; ki < kernel; ki++) {
      for (int kj = 0; kj < kernel; kj++) {
        int at = (c * kernel + ki) * kernel + kj;
        float sum = sums[at];
        for (int i = 0; i < outH; i++) {
          for (int j = 0; j < outW; j++) {
            sum = Math.fma(gradientAt(plane, i, j),
                inputAt(plane, i * stride + ki - padding, j * stride + kj - padding), sum);
          }
        }
        sums[at] = sum;
      }
    }
  }

  /** {@link #weightGradientReference} of a 3 × 3 kernel at stride 1, the nine chains side by side. */
  private void weightGradient3x3(int plane, int worker, float[] sums) {
    float[] dOut = gradOutput.data();
    float[] src = paddedPlane(plane, worker);
    int base = padding == 0 ? plane * inH * inW : 0;
    int at = plane % channels * 9;
    int pitch = paddedW;
    float s0 = sums[at];
    float s1 = sums[at + 1];
    float s2 = sums[at + 2];
    float s3 = sums[at + 3];
    float s4 = sums[at + 4];
    float s5 = sums[at + 5];
    float s6 = sums[at + 6];
    float s7 = sums[at + 7];
    float s8 = sums[at + 8];
    for (int i = 0; i < outH; i++) {
      int o = (plane * outH + i) * outW;
      for (int j = 0; j < outW; j++) {
        float d = dOut[o + j];
        int q = base + i * pitch + j;
        s0 = Math.fma(d, src[q], s0);
        s1 = Math.fma(d, src[q + 1], s1);
        s2 = Math.fma(d, src[q + 2], s2);
        s3 = Math.fma(d, src[q + pitch], s3);
        s4 = Math.fma(d, src[q + pitch + 1], s4);
        s5 = Math.fma(d, src[q + pitch + 2], s5);
        s6 = Math.fma(d, src[q + 2 * pitch], s6);
        s7 = Math.fma(d, src[q + 2 * pitch + 1], s7);
        s8 = Math.fma(d, src[q + 2 * pitch + 2], s8);
      }
    }
    sums[at] = s0;
    sums[at + 1] = s1;
    sums[at + 2] = s2;
    sums[at + 3] = s3;
    sums[at + 4] = s4;
    sums[at + 5] = s5;
    sums[at + 6] = s6;
    sums[at + 7] = s7;
    sums[at + 8] = s8;
  }

  /** dx of one plane from the definition, element by element; a tap that reaches no output position reads 0. */
  private void inputGradientReference(int plane) {
    float[] w = weight.value().data();
    float[] dx = gradInput.data();
    int c = plane % channels;
    for (int h = 0; h < inH; h++) {
      for (int v = 0; v < inW; v++) {
        float sum = 0f;
        for (int ki = 0; ki < kernel; ki++) {
          int ih = h + padding - ki; // = i·stride
          for (int kj = 0; kj < kernel; kj++) {
            int jw = v + padding - kj; // = j·stride
            boolean reached = ih % stride == 0 && jw % stride == 0;
            sum = Math.fma(w[(c * kernel + ki) * kernel + kj],
                reached ? gradientAt(plane, Math.floorDiv(ih, stride), Math.floorDiv(jw, stride)) : 0f, sum);
          }
        }
        dx[(plane * inH + h) * inW + v] = sum;
      }
    }
  }

  /**
   * dx of one plane (stride 1) as a gather at the padded row pitch: dOut laid out at pitch Wp behind
   * {@link #margin} zeros, with zeros in the Wp − OW columns past each row and after the last, so that tap (ki, kj)
   * of every input position reads one contiguous run, from (k − 1 − ki)·Wp + k − 1 − kj on, and a tap that reaches
   * no output position reads 0. Each element gets the chain of the definition.
   */
  private void inputGradientPlane(int plane, int worker) {
    float[] w = weight.value().data();
    float[] dOut = gradOutput.data();
    float[] rows = gradientRows[worker];
    int margin = margin();
    for (int i = 0; i < outH; i++) {
      System.arraycopy(dOut, (plane * outH + i) * outW, rows, margin + i * paddedW, outW);
    }
    // The interior rows h = p .. p + H − 1 of the padded plane, whole rows.
    float[] acc = padding == 0 ? gradInput.data() : wide[worker];
    int base = padding == 0 ? plane * inH * inW : 0;
    int length = inH * paddedW;
    Arrays.fill(acc, base, base + length, 0f);
    int c = plane % channels;
    for (int ki = 0; ki < kernel; ki++) {
      for (int kj = 0; kj < kernel; kj++) {
        float wk = w[(c * kernel + ki) * kernel + kj];
        Kernels.multiplyAddShifted(wk, rows, margin + (padding - ki) * paddedW - kj, acc, base, length);
      }
    }
    if (padding > 0) {
      float[] dx = gradInput.data();
      for (int h = 0; h < inH; h++) {
        System.arraycopy(acc, h * paddedW + padding, dx, (plane * inH + h) * inW, inW);
      }
    }
  }

  @Override
  public String toString() {
    return "Conv2d(%d, %d, kernel_size=(%d, %d), stride=(%d, %d)%s, groups=%d%s)".formatted(channels, channels,
        kernel, kernel, stride, stride, padding == 0 ? "" : ", padding=(%d, %d)".formatted(padding, padding),
        channels, bias == null ? ", bias=False" : "");
  }
}
