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
 *   <li>dx: one fma chain from +0 over the taps (ki, kj) in order that reach an output position.
 * </ul>
 * The reference loops below compute each element straight from these definitions; the plane loops (the default)
 * run the same chains tap by tap over whole rows, which C2 vectorises, and give the same bits
 * ({@code DepthwiseConv2dTest}). The forward splits the N·C planes over the threads, the backward the chunks; each
 * worker has its own zero-padded plane. The input is kept (not copied) from forward to backward.
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
  private float[][] paddedGradient; // per worker: dx of one plane with its border [Hp, Wp]
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
    this.weight = new Parameter("weight", Tensor.zeros(channels, 1, kernel, kernel));
    Init.kaimingUniform(weight.value(), fanIn, Math.sqrt(5.0), rng);
    this.bias = bias ? new Parameter("bias", Tensor.zeros(channels)) : null;
    if (bias) {
      Init.fanInUniform(this.bias.value(), fanIn, rng);
    }
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
    checkChannels(inputShape[0]);
    return new int[] {channels, ConvGeometry.outSize(inputShape[1], kernel, stride, padding),
        ConvGeometry.outSize(inputShape[2], kernel, stride, padding)};
  }

  /** Runs the reference loops (the definitions) instead of the plane loops (tests). */
  void useReferenceLoops(boolean reference) {
    this.referenceLoops = reference;
  }

  private void checkChannels(int c) {
    if (c != channels) {
      throw new IllegalArgumentException("DepthwiseConv2d expects " + channels + " channels, got " + c);
    }
  }

  // x [N, C, H, W] -> out [N, C, OH, OW]
  @Override
  public Tensor forward(Tensor x, boolean training) {
    Shapes.requireRank(x, 4, "DepthwiseConv2d");
    checkChannels(x.dim(1));
    int oh = ConvGeometry.outSize(x.dim(2), kernel, stride, padding);
    int ow = ConvGeometry.outSize(x.dim(3), kernel, stride, padding);
    if (x.dim(2) != inH || x.dim(3) != inW) {
      inH = x.dim(2);
      inW = x.dim(3);
      outH = oh;
      outW = ow;
      paddedH = inH + 2 * padding;
      paddedW = inW + 2 * padding;
      padded = null; // new planes, zero borders for the new size
      paddedGradient = null;
    }
    input = x;
    output = Tensor.reuseOrAllocate(output, x.dim(0), channels, oh, ow);
    padded = Scratch.buffers(padded, Parallel.threads(), padding == 0 ? 0 : paddedH * paddedW);
    Parallel.forRange(x.dim(0) * channels, Parallel.grainForItems(oh * ow * kernel * kernel), forwardPlanes);
    return output;
  }

  private void forwardPlanes(int chunk, int from, int to, int worker) {
    for (int plane = from; plane < to; plane++) {
      if (referenceLoops) {
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

  /** out of one plane, tap by tap over whole rows: each element gets the chain of the definition. */
  private void forwardPlane(int plane, int worker) {
    float[] w = weight.value().data();
    float[] out = output.data();
    int c = plane % channels;
    int at = plane * outH * outW;
    float[] src = paddedPlane(plane, worker);
    int base = padding == 0 ? plane * inH * inW : 0;
    Arrays.fill(out, at, at + outH * outW, 0f);
    for (int ki = 0; ki < kernel; ki++) {
      for (int kj = 0; kj < kernel; kj++) {
        float wk = w[(c * kernel + ki) * kernel + kj];
        for (int i = 0; i < outH; i++) {
          int row = base + (i * stride + ki) * paddedW + kj;
          int o = at + i * outW;
          if (stride == 1) {
            for (int j = 0; j < outW; j++) {
              out[o + j] = Math.fma(wk, src[row + j], out[o + j]);
            }
          } else {
            for (int j = 0; j < outW; j++) {
              out[o + j] = Math.fma(wk, src[row + j * stride], out[o + j]);
            }
          }
        }
      }
    }
    if (bias != null) {
      float b = bias.value().data()[c];
      for (int o = at; o < at + outH * outW; o++) {
        out[o] += b;
      }
    }
  }

  /** x[plane, h, w], or 0 outside the image. */
  private float inputAt(int plane, int h, int w) {
    return h >= 0 && h < inH && w >= 0 && w < inW ? input.data()[(plane * inH + h) * inW + w] : 0f;
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

  @Override
  public Tensor backward(Tensor gradOutput) {
    Shapes.requireGradient(gradOutput, output, "DepthwiseConv2d");
    int n = input.dim(0);
    gradInput = Scratch.like(gradInput, input);
    this.gradOutput = gradOutput;
    int threads = Parallel.threads();
    padded = Scratch.buffers(padded, threads, padding == 0 ? 0 : paddedH * paddedW);
    paddedGradient = Scratch.buffers(paddedGradient, threads, padding == 0 ? 0 : paddedH * paddedW);
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
        if (referenceLoops) {
          weightGradientReference(plane, sums);
          inputGradientReference(plane);
        } else {
          weightGradientPlane(plane, worker, sums);
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
    float[] dOut = gradOutput.data();
    int c = plane % channels;
    for (int ki = 0; ki < kernel; ki++) {
      for (int kj = 0; kj < kernel; kj++) {
        int at = (c * kernel + ki) * kernel + kj;
        float sum = sums[at];
        for (int i = 0; i < outH; i++) {
          for (int j = 0; j < outW; j++) {
            sum = Math.fma(dOut[(plane * outH + i) * outW + j],
                inputAt(plane, i * stride + ki - padding, j * stride + kj - padding), sum);
          }
        }
        sums[at] = sum;
      }
    }
  }

  /** {@link #weightGradientReference} by output position, the k·k chains side by side. */
  private void weightGradientPlane(int plane, int worker, float[] sums) {
    float[] dOut = gradOutput.data();
    float[] src = paddedPlane(plane, worker);
    int base = padding == 0 ? plane * inH * inW : 0;
    int first = plane % channels * kernel * kernel;
    for (int i = 0; i < outH; i++) {
      for (int j = 0; j < outW; j++) {
        float d = dOut[(plane * outH + i) * outW + j];
        int window = base + i * stride * paddedW + j * stride;
        for (int ki = 0, t = first; ki < kernel; ki++) {
          for (int kj = 0; kj < kernel; kj++, t++) {
            sums[t] = Math.fma(d, src[window + ki * paddedW + kj], sums[t]);
          }
        }
      }
    }
  }

  /** dx of one plane from the definition, element by element. */
  private void inputGradientReference(int plane) {
    float[] w = weight.value().data();
    float[] dOut = gradOutput.data();
    float[] dx = gradInput.data();
    int c = plane % channels;
    for (int h = 0; h < inH; h++) {
      for (int v = 0; v < inW; v++) {
        float sum = 0f;
        for (int ki = 0; ki < kernel; ki++) {
          int ih = h + padding - ki; // = i·stride
          for (int kj = 0; kj < kernel; kj++) {
            int jw = v + padding - kj; // = j·stride
            if (ih >= 0 && jw >= 0 && ih % stride == 0 && jw % stride == 0 && ih / stride < outH
                && jw / stride < outW) {
              sum = Math.fma(w[(c * kernel + ki) * kernel + kj],
                  dOut[(plane * outH + ih / stride) * outW + jw / stride], sum);
            }
          }
        }
        dx[(plane * inH + h) * inW + v] = sum;
      }
    }
  }

  /**
   * dx of one plane, tap by tap: each dOut row scattered onto the input row the tap reads, into a zeroed plane with
   * the border (the padding's share dropped after); each element gets the chain of the definition.
   */
  private void inputGradientPlane(int plane, int worker) {
    float[] w = weight.value().data();
    float[] dOut = gradOutput.data();
    float[] dx = gradInput.data();
    int c = plane % channels;
    float[] target = padding == 0 ? dx : paddedGradient[worker];
    int base = padding == 0 ? plane * inH * inW : 0;
    Arrays.fill(target, base, base + paddedH * paddedW, 0f);
    for (int ki = 0; ki < kernel; ki++) {
      for (int kj = 0; kj < kernel; kj++) {
        float wk = w[(c * kernel + ki) * kernel + kj];
        for (int i = 0; i < outH; i++) {
          int row = base + (i * stride + ki) * paddedW + kj;
          int o = (plane * outH + i) * outW;
          if (stride == 1) {
            for (int j = 0; j < outW; j++) {
              target[row + j] = Math.fma(wk, dOut[o + j], target[row + j]);
            }
          } else {
            for (int j = 0; j < outW; j++) {
              target[row + j * stride] = Math.fma(wk, dOut[o + j], target[row + j * stride]);
            }
          }
        }
      }
    }
    if (padding > 0) {
      for (int h = 0; h < inH; h++) {
        System.arraycopy(target, (h + padding) * paddedW + padding, dx, (plane * inH + h) * inW, inW);
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
