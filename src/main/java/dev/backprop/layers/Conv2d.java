package dev.backprop.layers;

import dev.backprop.tensor.Gemm;
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
 * the input in between. Everything per sample uses one col and one dcol buffer, so splitting the batch over
 * threads later needs per-thread buffers and a per-thread dW reduced in sample order.
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

  private Tensor input; // cached by forward for backward
  private int outH;
  private int outW;
  private Tensor output;
  private Tensor gradInput;
  private float[] col; // [C·k·k, OH·OW]
  private float[] gradCol; // [C·k·k, OH·OW]

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
    int h = x.dim(2);
    int w = x.dim(3);
    outH = outSize(h);
    outW = outSize(w);
    int ohw = outH * outW;
    int ckk = inChannels * kernel * kernel;
    input = x;
    output = Tensor.reuseOrAllocate(output, n, outChannels, outH, outW);
    col = Shapes.reuse(col, ckk * ohw);
    float[] out = output.data();
    float[] wt = weight.value().data();
    for (int s = 0; s < n; s++) {
      int outOffset = s * outChannels * ohw;
      im2col(x.data(), s * inChannels * h * w, h, w, col);
      if (bias != null) {
        float[] b = bias.value().data();
        for (int o = 0; o < outChannels; o++) {
          Arrays.fill(out, outOffset + o * ohw, outOffset + (o + 1) * ohw, b[o]);
        }
      }
      Gemm.gemm(false, false, outChannels, ohw, ckk, wt, 0, ckk, col, 0, ohw, out, outOffset, ohw, bias != null);
    }
    return output;
  }

  // dOut [N, O, OH, OW] -> dx [N, C, H, W]; dW += , db +=
  @Override
  public Tensor backward(Tensor gradOutput) {
    Shapes.requireGradient(gradOutput, output, "Conv2d");
    int n = input.dim(0);
    int h = input.dim(2);
    int w = input.dim(3);
    int ohw = outH * outW;
    int ckk = inChannels * kernel * kernel;
    gradInput = Shapes.like(gradInput, input);
    gradInput.fill(0f);
    gradCol = Shapes.reuse(gradCol, ckk * ohw);
    float[] dOut = gradOutput.data();
    float[] dx = gradInput.data();
    float[] wt = weight.value().data();
    float[] dW = weight.grad().data();
    for (int s = 0; s < n; s++) {
      int outOffset = s * outChannels * ohw;
      int inOffset = s * inChannels * h * w;
      im2col(input.data(), inOffset, h, w, col);
      Gemm.gemm(false, true, outChannels, ckk, ohw, dOut, outOffset, ohw, col, 0, ohw, dW, 0, ckk, true);
      if (bias != null) {
        float[] db = bias.grad().data();
        for (int o = 0; o < outChannels; o++) {
          float sum = 0f;
          for (int i = outOffset + o * ohw, end = i + ohw; i < end; i++) {
            sum += dOut[i];
          }
          db[o] += sum;
        }
      }
      Gemm.gemm(true, false, ckk, ohw, outChannels, wt, 0, ckk, dOut, outOffset, ohw, gradCol, 0, ohw, false);
      col2im(gradCol, dx, inOffset, h, w);
    }
    return gradInput;
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
