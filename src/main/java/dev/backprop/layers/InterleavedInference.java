package dev.backprop.layers;

import dev.backprop.tensor.Gemm;
import dev.backprop.tensor.Kernels;
import dev.backprop.tensor.Parallel;
import dev.backprop.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * The late, small layers of an inference with the samples in the lanes: the same as running them one by one in
 * eval mode ({@code forward(x, false)}), faster because no column is wasted. On a 9 × 9 input the im2col products
 * compute the windows at the input's pitch, 66–77 % of their columns being output positions, and copy the windows
 * and the outputs around the products; here {@link #BLOCK} samples sit side by side in every position of a block
 * laid out [C, H, W, BLOCK], so that output row i of a convolution over a block is one product whose B rows are
 * contiguous runs of the input (shifted windows, {@link Gemm#gemmRowOffsets}) and whose every column is an output:
 *
 * <pre>
 *   out[o, i, j, l] = Σ_(c, ki, kj) W[o, c, ki, kj] · in[c, i + ki, j + kj, l]     row i: C[O, OW·BLOCK] = W · B
 *   B row (c, ki, kj) = in[c, i + ki, kj .. kj + OW − 1, all l], at ((c·H + i + ki)·W + kj)·BLOCK
 * </pre>
 *
 * Each output element is still one fma chain over (c, ki, kj) in order from +0, then the output stage (bias, ReLU,
 * eval BatchNorm, {@link Kernels#outputStage}); pooling takes the same window elements in the same order as
 * {@link MaxPool2d} and {@link AvgPool2d}; dropout is the identity. So every lane gets the bits of the layers run
 * one by one, at any vector width and thread count ({@code FusedBlocksTest}). A worker runs a block through all the
 * segment's layers in its own buffers (a block of ref15k's 16 × 11 × 11 activations is 124 KB, in L2), then writes
 * its samples' results back as [N, C, H, W].
 */
final class InterleavedInference {
  /** Samples per block: the lanes of a 512-bit vector, two 256-bit ones, four 128-bit ones. */
  static final int BLOCK = 16;

  /** One layer of the segment on a block: [C, H, W, BLOCK] in → out. */
  private interface Step {
    void run(float[] in, float[] out);
  }

  private final List<Step> steps;
  private final int[] inputShape; // [C, H, W] of a sample entering the segment
  private final int[] outputShape; // [C, H, W] of a sample leaving it
  private final int largest; // floats per block of the largest activation
  private float[][] first; // per worker: ping
  private float[][] second; // per worker: pong
  private Tensor input;
  private Tensor output;
  private final Parallel.Body blocks = this::blocks;

  private InterleavedInference(List<Step> steps, int[] inputShape, int[] outputShape, int largest) {
    this.steps = steps;
    this.inputShape = inputShape;
    this.outputShape = outputShape;
    this.largest = largest;
  }

  /**
   * The segment of {@code layers} [from, to) on samples of {@code shape} [C, H, W], or null when a layer there has
   * no interleaved form: Conv2d of stride 1 without padding (with the ReLU and BatchNorm2d its stage takes in),
   * max and average pooling, dropout.
   */
  static InterleavedInference of(List<Layer> layers, FusionPlan plan, int from, int to, int[] shape) {
    List<Step> steps = new ArrayList<>();
    int[] in = shape.clone();
    int largest = size(in);
    for (int i = from; i < to; i++) {
      Layer layer = layers.get(i);
      int[] out = layer.outputShape(in);
      if (layer instanceof Conv2d conv && conv.stride() == 1 && conv.padding() == 0) {
        ConvStrategy.OutputStage stage = plan.inferStageAt(i);
        int fused = (stage.relu() ? 1 : 0) + (stage.norm() != null ? 1 : 0);
        if (i + fused >= to) {
          return null;
        }
        steps.add(new ConvStep(conv, stage, in, out));
        i += fused;
      } else if (layer instanceof Pool2d pool) {
        steps.add(new PoolStep(pool instanceof MaxPool2d, pool.kernel(), pool.stride(), in, out));
      } else if (!(layer instanceof AbstractDropout)) {
        return null;
      }
      in = out;
      largest = Math.max(largest, size(in));
    }
    return steps.isEmpty() ? null : new InterleavedInference(List.copyOf(steps), shape, in, largest * BLOCK);
  }

  private static int size(int[] chw) {
    return chw[0] * chw[1] * chw[2];
  }

  /** The segment's layers on x [N, C, H, W]: [N, C', H', W'] in a buffer of this segment's, valid until the next call. */
  Tensor forward(Tensor x) {
    int n = x.dim(0);
    output = Tensor.reuseOrAllocate(output, n, outputShape[0], outputShape[1], outputShape[2]);
    int threads = Parallel.threads();
    first = Scratch.buffers(first, threads, largest);
    second = Scratch.buffers(second, threads, largest);
    input = x;
    try {
      Parallel.forRange((n + BLOCK - 1) / BLOCK, 1, blocks);
    } finally {
      input = null;
    }
    return output;
  }

  private void blocks(int chunk, int from, int to, int worker) {
    int n = input.dim(0);
    int inSize = size(inputShape);
    int outSize = size(outputShape);
    for (int b = from; b < to; b++) {
      int s0 = b * BLOCK;
      int samples = Math.min(BLOCK, n - s0);
      float[] in = first[worker];
      float[] out = second[worker];
      // Sample l of the block to column l of rows (c, h, w); the columns of missing samples are zeros.
      Kernels.channelsLast(input.data(), s0 * inSize, samples, inSize, inputShape[0] * inputShape[1],
          inputShape[2], inputShape[2], in, 0, BLOCK, inSize);
      for (Step step : steps) {
        step.run(in, out);
        float[] t = in;
        in = out;
        out = t;
      }
      float[] y = output.data();
      for (int l = 0; l < samples; l++) {
        int at = (s0 + l) * outSize;
        for (int e = 0; e < outSize; e++) {
          y[at + e] = in[e * BLOCK + l];
        }
      }
    }
  }

  /** A convolution of stride 1 without padding and its output stage, one product per output row. */
  private static final class ConvStep implements Step {
    private final Conv2d conv;
    private final ConvStrategy.OutputStage stage;
    private final int[] windows; // [C·k·k]: where B row (c, ki, kj) of output row 0 starts in the block
    private final int outChannels;
    private final int outH;
    private final int rowColumns; // OW·BLOCK
    private final int inRow; // W·BLOCK
    private final int plane; // OH·OW·BLOCK

    ConvStep(Conv2d conv, ConvStrategy.OutputStage stage, int[] in, int[] out) {
      this.conv = conv;
      this.stage = stage;
      int k = conv.kernel();
      windows = new int[in[0] * k * k];
      for (int c = 0; c < in[0]; c++) {
        for (int ki = 0; ki < k; ki++) {
          for (int kj = 0; kj < k; kj++) {
            windows[(c * k + ki) * k + kj] = ((c * in[1] + ki) * in[2] + kj) * BLOCK;
          }
        }
      }
      outChannels = out[0];
      outH = out[1];
      rowColumns = out[2] * BLOCK;
      inRow = in[2] * BLOCK;
      plane = out[1] * out[2] * BLOCK;
    }

    @Override
    public void run(float[] in, float[] out) {
      float[] w = conv.weight().value().data();
      int patch = windows.length;
      for (int i = 0; i < outH; i++) {
        Gemm.gemmRowOffsets(outChannels, rowColumns, patch, w, 0, patch, in, i * inRow, windows, out,
            i * rowColumns, plane, false);
      }
      for (int o = 0; o < outChannels; o++) {
        ConvStrategy.finish(out, o * plane, (o + 1) * plane, conv.bias(), o, stage);
      }
    }
  }

  /**
   * Max or average pooling of k × k windows at a stride: the window's elements in row-major order, as
   * {@link MaxPool2d} (a greater value or a NaN replaces the maximum) and {@link AvgPool2d} (sum from +0, times
   * 1/k²) take them.
   */
  private static final class PoolStep implements Step {
    private final boolean max;
    private final int kernel;
    private final int stride;
    private final int[] in;
    private final int[] out;

    PoolStep(boolean max, int kernel, int stride, int[] in, int[] out) {
      this.max = max;
      this.kernel = kernel;
      this.stride = stride;
      this.in = in.clone();
      this.out = out.clone();
    }

    @Override
    public void run(float[] x, float[] y) {
      float inv = 1f / (kernel * kernel);
      for (int c = 0; c < out[0]; c++) {
        for (int i = 0; i < out[1]; i++) {
          for (int j = 0; j < out[2]; j++) {
            int to = ((c * out[1] + i) * out[2] + j) * BLOCK;
            int first = ((c * in[1] + i * stride) * in[2] + j * stride) * BLOCK;
            for (int l = 0; l < BLOCK; l++) {
              y[to + l] = max ? x[first + l] : 0f;
            }
            for (int ki = 0; ki < kernel; ki++) {
              for (int kj = 0; kj < kernel; kj++) {
                int at = ((c * in[1] + i * stride + ki) * in[2] + j * stride + kj) * BLOCK;
                if (max) {
                  for (int l = 0; l < BLOCK; l++) {
                    float v = x[at + l];
                    y[to + l] = v > y[to + l] || Float.isNaN(v) ? v : y[to + l];
                  }
                } else {
                  for (int l = 0; l < BLOCK; l++) {
                    y[to + l] += x[at + l];
                  }
                }
              }
            }
            for (int l = 0; !max && l < BLOCK; l++) {
              y[to + l] *= inv;
            }
          }
        }
      }
    }
  }
}
