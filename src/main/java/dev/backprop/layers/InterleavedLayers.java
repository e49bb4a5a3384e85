package dev.backprop.layers;

import dev.backprop.tensor.Gemm;
import dev.backprop.tensor.Kernels;
import dev.backprop.tensor.Parallel;
import dev.backprop.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Layers run with the samples in the lanes: the same as running them one by one ({@code forward(x, false)} in
 * inference, a convolution's forward in training), faster because no column is wasted and nothing is copied around
 * the products. im2col products compute the windows at the input's pitch (on a 9 × 9 input 66–77 % of their
 * columns are output positions) and copy the windows and the outputs around the products; shifted windows copy each
 * sample and waste the pitch columns too. Here {@link #BLOCK} samples sit side by side in every position of a block
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
 * {@link MaxPool2d} and {@link AvgPool2d} ({@link Kernels#poolLanes}); dropout in eval mode is the identity. So
 * every lane gets the bits of the layers run one by one, at any vector width and thread count
 * ({@code FusedBlocksTest}, {@code ConvStrategyTest}). A worker takes a block of samples in (a transpose,
 * {@link Kernels#channelsLast}), runs it through all the layers in its own buffers (ref15k's largest activation,
 * 16 × 24 × 24 of a block, is 590 KB), and transposes its samples' results back to [N, C, H, W]. Inference runs
 * ref15k from its first convolution to its average pool this way at batch 16 or more (1.6x as fast as layer by
 * layer); training's forward runs its small convolutions so (those im2col groups samples for), one at a time,
 * since BatchNorm's batch statistics and the backward take [N, C, H, W].
 */
final class InterleavedLayers {
  /** Samples per block: the lanes of a 512-bit vector, two 256-bit ones, four 128-bit ones. */
  static final int BLOCK = 16;

  /** One layer of the segment on a block: [C, H, W, BLOCK] in → out, with the worker's scratch. */
  private interface Step {
    void run(float[] in, float[] out, float[] scratch);

    /** Floats of scratch a block needs. */
    default int scratch() {
      return 0;
    }
  }

  private final List<Step> steps;
  private final int start;
  private final int end;
  private final int[] inputShape; // [C, H, W] of a sample entering the segment
  private final int[] outputShape; // [C, H, W] of a sample leaving it
  private final int largest; // floats per block of the largest activation
  private final int scratchSize; // floats of scratch per worker: the most a step needs
  private float[][] first; // per worker: ping
  private float[][] second; // per worker: pong
  private float[][] scratch; // per worker: what the steps need besides
  private Tensor input;
  private Tensor output;
  private final Parallel.Body blocks = this::blocks;

  private InterleavedLayers(List<Step> steps, int start, int end, int[] inputShape, int[] outputShape,
      int largest) {
    this.steps = steps;
    this.start = start;
    this.end = end;
    this.inputShape = inputShape;
    this.outputShape = outputShape;
    this.largest = largest;
    this.scratchSize = steps.stream().mapToInt(Step::scratch).max().orElse(0);
  }

  /**
   * The segment of {@code layers} from {@code from} on, for samples of {@code shape} [C, H, W] there, as far as the
   * layers have an interleaved form: Conv2d of stride 1 without padding (with the ReLU and BatchNorm2d its stage
   * takes in), max and average pooling, dropout. Null when it would hold no convolution.
   */
  static InterleavedLayers of(List<Layer> layers, FusionPlan plan, int from, int[] shape) {
    List<Step> steps = new ArrayList<>();
    int[] in = shape.clone();
    int largest = size(in);
    int end = from;
    boolean convolves = false;
    for (; end < layers.size(); end++) {
      Layer layer = layers.get(end);
      int[] out;
      if (layer instanceof Conv2d conv && conv.stride() == 1 && conv.padding() == 0) {
        ConvStrategy.OutputStage stage = plan.inferStageAt(end);
        out = conv.outputShape(in);
        steps.add(new ConvStep(conv, stage, in, out));
        end += (stage.relu() ? 1 : 0) + (stage.norm() != null ? 1 : 0);
        convolves = true;
      } else if (layer instanceof Pool2d pool) {
        out = pool.outputShape(in);
        steps.add(new PoolStep(pool instanceof MaxPool2d, pool.kernel(), pool.stride(), in.clone()));
      } else if (layer instanceof AbstractDropout) {
        out = in;
      } else {
        break;
      }
      in = out;
      largest = Math.max(largest, size(in));
    }
    return convolves ? new InterleavedLayers(List.copyOf(steps), from, end, shape, in, largest * BLOCK) : null;
  }

  /** One convolution (stride 1, no padding) through {@code stage}, on samples of {@code shape} [C, H, W]. */
  static InterleavedLayers ofConvolution(Conv2d conv, ConvStrategy.OutputStage stage, int[] shape) {
    int[] out = conv.outputShape(shape);
    return new InterleavedLayers(List.of(new ConvStep(conv, stage, shape, out)), 0, 1, shape.clone(), out,
        Math.max(size(shape), size(out)) * BLOCK);
  }

  /**
   * The input gradient of one convolution (stride 1, no padding) on samples of {@code shape} [C, H, W]: its
   * {@link #forward} takes dOut [N, O, OH, OW] to dx [N, C, H, W].
   */
  static InterleavedLayers ofInputGradient(Conv2d conv, int[] shape) {
    int[] out = conv.outputShape(shape);
    return new InterleavedLayers(List.of(new ConvInputGradientStep(conv, shape, out)), 0, 1, out, shape.clone(),
        Math.max(size(shape), size(out)) * BLOCK);
  }

  /** The index of the segment's first layer. */
  int start() {
    return start;
  }

  /** The index of the first layer after the segment. */
  int end() {
    return end;
  }

  private static int size(int[] chw) {
    return chw[0] * chw[1] * chw[2];
  }

  /** The segment's layers on x [N, C, H, W]: [N, C', H', W'] in a buffer of this segment's, valid until the next call. */
  Tensor forward(Tensor x) {
    return forward(x, Tensor.reuseOrAllocate(output, x.dim(0), outputShape[0], outputShape[1], outputShape[2]));
  }

  /** The segment's layers on x [N, C, H, W] into {@code y} [N, C', H', W'], which it returns. */
  Tensor forward(Tensor x, Tensor y) {
    int n = x.dim(0);
    output = y;
    int threads = Parallel.threads();
    first = Scratch.buffers(first, threads, largest);
    second = Scratch.buffers(second, threads, largest);
    scratch = Scratch.buffers(scratch, threads, scratchSize);
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
        step.run(in, out, scratch[worker]);
        float[] t = in;
        in = out;
        out = t;
      }
      float[] y = output.data();
      if (samples == BLOCK) {
        // Position e of the block, its 16 lanes, is "plane" e of one row of 16: into column e of each sample's row.
        Kernels.channelsLast(in, 0, outSize, BLOCK, 1, BLOCK, BLOCK, y, s0 * outSize, outSize, BLOCK);
        continue;
      }
      for (int l = 0; l < samples; l++) {
        int at = (s0 + l) * outSize;
        for (int e = 0; e < outSize; e++) {
          y[at + e] = in[e * BLOCK + l];
        }
      }
    }
  }

  /** [C·k·k]: where window (c, ki, kj) of output row 0 starts in a block of samples of {@code in} [C, H, W]. */
  private static int[] windowStarts(int k, int[] in) {
    int[] starts = new int[in[0] * k * k];
    for (int c = 0; c < in[0]; c++) {
      for (int ki = 0; ki < k; ki++) {
        for (int kj = 0; kj < k; kj++) {
          starts[(c * k + ki) * k + kj] = ((c * in[1] + ki) * in[2] + kj) * BLOCK;
        }
      }
    }
    return starts;
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
      windows = windowStarts(conv.kernel(), in);
      outChannels = out[0];
      outH = out[1];
      rowColumns = out[2] * BLOCK;
      inRow = in[2] * BLOCK;
      plane = out[1] * out[2] * BLOCK;
    }

    @Override
    public void run(float[] in, float[] out, float[] scratch) {
      float[] w = conv.weight().value().data();
      int patch = windows.length;
      for (int i = outH - 1; i >= 0; i--) {
        Gemm.gemmRowOffsets(outChannels, rowColumns, patch, w, 0, patch, in, i * inRow, windows, out,
            i * rowColumns, plane, false);
      }
      for (int o = 0; o < outChannels; o++) {
        ConvStrategy.finish(out, o * plane, (o + 1) * plane, conv.bias(), o, stage);
      }
    }
  }

  /**
   * A convolution's input gradient (stride 1, no padding), the bits of {@link Im2colConvolution}'s: for output row
   * i, dcol[(c, ki, kj), (j, l)] = Σ_o W[o, c, ki, kj] · dOut[o, i, j, l] (one product, a chain over o from +0),
   * added into dx[c, i + ki, kj + j, l]. Rows run from the last to the first, so that every element of dx takes its
   * terms in (ki, kj) order from +0 as col2im adds them (the terms col2im adds besides, from the pitch gaps, are +0,
   * which changes no sum that starts from +0).
   */
  private static final class ConvInputGradientStep implements Step {
    private final Conv2d conv;
    private final int patch; // C·k·k
    private final int[] targets; // [C·k·k]: where row (c, ki, kj) of dcol for output row 0 goes in dx's block
    private final int outH;
    private final int rowColumns; // OW·BLOCK
    private final int inRow; // W·BLOCK
    private final int plane; // OH·OW·BLOCK
    private final int inSize; // C·H·W·BLOCK

    ConvInputGradientStep(Conv2d conv, int[] in, int[] out) {
      this.conv = conv;
      targets = windowStarts(conv.kernel(), in);
      patch = targets.length;
      outH = out[1];
      rowColumns = out[2] * BLOCK;
      inRow = in[2] * BLOCK;
      plane = out[1] * out[2] * BLOCK;
      inSize = size(in) * BLOCK;
    }

    @Override
    public int scratch() {
      return patch * rowColumns;
    }

    @Override
    public void run(float[] dOut, float[] dx, float[] dcol) {
      float[] w = conv.weight().value().data();
      Arrays.fill(dx, 0, inSize, 0f);
      for (int i = outH - 1; i >= 0; i--) {
        Gemm.gemm(true, false, patch, rowColumns, conv.outChannels(), w, 0, patch, dOut, i * rowColumns, plane,
            dcol, 0, rowColumns, false);
        for (int r = 0; r < patch; r++) {
          Kernels.addShifted(dcol, r * rowColumns, dx, targets[r] + i * inRow, rowColumns);
        }
      }
    }
  }

  /** Max or average pooling, {@link Kernels#poolLanes}: the window's elements in the order the layers take them. */
  private record PoolStep(boolean max, int kernel, int stride, int[] in) implements Step {
    @Override
    public void run(float[] x, float[] y, float[] scratch) {
      Kernels.poolLanes(max, x, y, in[0], in[1], in[2], kernel, stride, BLOCK);
    }
  }
}
