package dev.backprop.layers;

import dev.backprop.tensor.Parallel;
import dev.backprop.tensor.Rng;
import dev.backprop.tensor.Tensor;
import java.util.List;

/**
 * 2-D convolution (cross-correlation, as in PyTorch) with a square k × k kernel, a stride and zero padding p:
 *
 * <pre>
 *   forward   x [N, C, H, W] → out [N, O, OH, OW],  OH = (H + 2p − k) / stride + 1 (floor), likewise OW
 *             out[s, o, i, j] = bias[o] + Σ_c Σ_ki Σ_kj W[o, c, ki, kj] · x[s, c, i·stride + ki − p, j·stride + kj − p]
 *   backward  dW[o, c, ki, kj] += Σ_s Σ_i Σ_j dOut[s, o, i, j] · x[s, c, i·stride + ki − p, j·stride + kj − p]
 *             db[o]            += Σ_s Σ_i Σ_j dOut[s, o, i, j]
 *             dx[s, c, h, w]    = Σ_o Σ_ki Σ_kj W[o, c, ki, kj] · dOut[s, o, i, j]  where i·stride + ki − p = h, ...
 * </pre>
 *
 * with x = 0 outside the image. How the three sums are computed is a {@link ConvStrategy}, chosen once per input
 * size by {@link ConvStrategy#of}: {@link ShiftedConvolution} for stride-1 layers whose sample fills a product alone
 * and that have at least 4 input channels (ref15k's second and third layers, 80 % of its multiply-adds),
 * {@link Im2colConvolution} otherwise; {@link DirectConvolution}, the definition above in plain loops, is the
 * reference they are tested against. {@link #strategyName} says which one runs.
 *
 * <p>Samples run in parallel, a strategy's group at a time, each worker with its own scratch (a forward of fewer
 * samples than threads, as batch-1 inference, runs each sample's output channels in parts instead, where the
 * strategy can: the same bits, each output element being its own chain). For dW and db the
 * batch is cut into at most {@link #MAX_CHUNKS} chunks of consecutive samples (at least a group each), by N and
 * the layer's shape only: each chunk sums its samples in order into its own buffer, and the chunk sums are added
 * in chunk order, so the gradients are the same bit for bit with any number of threads. The input is kept (not
 * copied) from forward to backward; the caller must not change it in between.
 */
public final class Conv2d implements Layer {
  /** Chunks the batch is cut into for the weight and bias gradients (fewer when N is smaller). */
  static final int MAX_CHUNKS = 32;

  /** How the products are computed; AUTO picks by shape ({@link ConvStrategy#of}), the others force one (tests). */
  enum Algorithm { AUTO, DIRECT, IM2COL, SHIFTED }

  private final int inChannels;
  private final int outChannels;
  private final int kernel;
  private final int stride;
  private final int padding;
  private final Parameter weight; // [O, C, k, k]
  private final Parameter bias; // [O], or null
  private final List<Parameter> parameters;
  private Algorithm algorithm = Algorithm.AUTO;
  /**
   * An eval-mode forward of fewer samples than this (what inference does not run interleaved) runs shifted windows,
   * unless a strategy is forced.
   */
  static final int FEW_SAMPLES = InterleavedLayers.BLOCK;

  private ConvStrategy strategy; // for the input size of the last forward
  private ConvStrategy fewSamples; // shifted windows, for an eval-mode forward of few samples
  private ConvStrategy forwardStrategy; // during forward
  private InterleavedLayers interleaved; // a forward of many samples with small planes, for the geometry and stage:
  private ConvGeometry interleavedGeometry;
  private ConvStrategy.OutputStage interleavedStage;
  private Tensor input; // cached by forward for backward
  private Tensor output;
  private Tensor gradInput;
  private Tensor gradOutput; // during backward
  private boolean chunkInputGradient; // during backward: whether the chunks compute dx
  private InterleavedLayers interleavedInputGradient; // dx of many samples with small planes, for the geometry:
  private ConvGeometry interleavedBackwardGeometry;
  private ConvStrategy.OutputStage stage = ConvStrategy.OutputStage.NONE; // during forward
  private float[][] chunkGrads; // per chunk: dWᵀ [C·k·k, gradientWidth] then db [O]
  private final Parallel.Body forwardGroups = this::forwardGroups;
  private final Parallel.Body forwardChannels = this::forwardChannels;
  private final Parallel.Body backwardChunk = this::backwardChunk;

  public Conv2d(int inChannels, int outChannels, int kernel, int stride, int padding, boolean bias, Rng rng) {
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
    this.weight = Init.convolutionWeight(fanIn, rng, outChannels, inChannels, kernel, kernel);
    this.bias = bias ? Init.bias(outChannels, fanIn, rng) : null;
    this.parameters = bias ? List.of(weight, this.bias) : List.of(weight);
  }

  public Parameter weight() { return weight; }
  /** The bias parameter, or null when built without one. */
  public Parameter bias() { return bias; }
  public int inChannels() { return inChannels; }
  public int outChannels() { return outChannels; }
  public int kernel() { return kernel; }
  public int stride() { return stride; }
  public int padding() { return padding; }

  @Override
  public List<Parameter> parameters() { return parameters; }

  @Override
  public int[] outputShape(int[] inputShape) {
    Shapes.requireChannels(inputShape[0], inChannels, "Conv2d", "input channels");
    ConvGeometry g = geometry(inputShape[1], inputShape[2]);
    return new int[] {outChannels, g.outH(), g.outW()};
  }

  /** Which strategy runs on an input of h × w: e.g. "shifted windows" or "im2col (4 samples per product)". */
  public String strategyName(int h, int w) {
    return strategyFor(geometry(h, w)).name();
  }

  /** Forces a strategy (tests); the next forward uses it. */
  void useAlgorithm(Algorithm algorithm) {
    this.algorithm = algorithm;
    this.strategy = null;
  }

  private ConvGeometry geometry(int h, int w) {
    return ConvGeometry.of(inChannels, outChannels, kernel, stride, padding, h, w);
  }

  private ConvStrategy strategyFor(ConvGeometry g) {
    return ConvStrategy.of(algorithm, g, weight, bias);
  }

  @Override
  public Tensor forward(Tensor x, boolean training) {
    return forward(x, training, ConvStrategy.OutputStage.NONE);
  }

  /**
   * {@code forward(x, training)}, then the stage's ReLU and eval-mode BatchNorm applied to each output plane while
   * it is in cache: the bits the separate layers give, without their passes over the batch ({@link Sequential}).
   * Backward stays this layer's own: dOut is the gradient of the output before the stage.
   */
  Tensor forward(Tensor x, boolean training, ConvStrategy.OutputStage outputStage) {
    Shapes.requireRank(x, 4, "Conv2d");
    Shapes.requireChannels(x.dim(1), inChannels, "Conv2d", "input channels");
    if (strategy == null || !strategy.g.sameInput(x.dim(2), x.dim(3))) {
      strategy = strategyFor(geometry(x.dim(2), x.dim(3)));
    }
    ConvGeometry g = strategy.g;
    input = x;
    output = Tensor.reuseOrAllocate(output, x.dim(0), outChannels, g.outH(), g.outW());
    if (interleaves(x.dim(0))) {
      // Small planes, many samples: with the samples in the lanes, the same bits as the im2col products, faster
      // because no column is wasted and no window copied (ref15k's conv4 to conv7 forward, one thread: 2.78 ->
      // 1.59 ms per batch of 128).
      if (interleaved == null || interleavedStage != outputStage || !interleavedGeometry.equals(g)) {
        interleaved = InterleavedLayers.ofConvolution(this, outputStage, new int[] {inChannels, g.inH(), g.inW()});
        interleavedStage = outputStage;
        interleavedGeometry = g;
      }
      return interleaved.forward(x, output);
    }
    forwardStrategy = strategy;
    if (!training && x.dim(0) < FEW_SAMPLES && stride == 1 && algorithm == Algorithm.AUTO) {
      // Shifted windows whatever the plane: the same bits as any strategy's forward, faster for a single sample
      // because nothing is copied into im2col columns and the output channels split over the threads (batch-1
      // inference 85 -> 75 us on one thread, 64 -> 50 us on two).
      if (fewSamples == null || !fewSamples.g.equals(g)) {
        fewSamples = strategy instanceof ShiftedConvolution ? strategy : new ShiftedConvolution(g, weight, bias);
      }
      forwardStrategy = fewSamples;
    }
    forwardStrategy.prepare(Parallel.threads(), false);
    stage = outputStage;
    try {
      int threads = Parallel.threads();
      if (x.dim(0) < threads && forwardStrategy.splitsOutputChannels()) {
        // Fewer samples than threads (batch-1 inference): every sample's output channels in parts, one per thread,
        // in whole 4-row tiles of the product.
        int grain = ConvGeometry.roundUp(Parallel.grainFor(outChannels, threads), 4);
        Parallel.forRange(outChannels, grain, forwardChannels);
      } else {
        Parallel.forRange(x.dim(0), forwardStrategy.samplesPerProduct(), forwardGroups);
      }
    } finally {
      stage = ConvStrategy.OutputStage.NONE;
    }
    return output;
  }

  /**
   * Whether a batch of n runs with the samples in the lanes ({@link InterleavedLayers}): small planes (im2col groups
   * samples for them), many samples, stride 1, no padding, no forced strategy.
   */
  private boolean interleaves(int n) {
    return n >= InterleavedLayers.BLOCK && strategy instanceof Im2colConvolution && strategy.g.group() > 1
        && stride == 1 && padding == 0 && algorithm == Algorithm.AUTO;
  }

  private void forwardGroups(int chunk, int start, int end, int worker) {
    forwardStrategy.forward(input.data(), start, end, worker, output.data(), stage);
  }

  private void forwardChannels(int chunk, int from, int to, int worker) {
    for (int s = 0; s < input.dim(0); s++) {
      forwardStrategy.forwardChannels(input.data(), s, from, to, worker, output.data(), stage);
    }
  }

  @Override
  public Tensor backward(Tensor gradOutput) {
    return backward(gradOutput, true);
  }

  /**
   * {@link #backward}; without {@code inputGradient} only the parameters' gradients (the first layer of a model,
   * whose input is the data), and the result is null.
   */
  Tensor backward(Tensor gradOutput, boolean inputGradient) {
    Shapes.requireGradient(gradOutput, output, "Conv2d");
    int n = input.dim(0);
    gradInput = inputGradient ? Scratch.like(gradInput, input) : null;
    this.gradOutput = gradOutput;
    // Small planes, many samples: dx with the samples in the lanes after the chunks' dW and db, the same bits as the
    // im2col products without their pitch columns, window copies and col2im's padded planes.
    boolean lanes = inputGradient && interleaves(n);
    chunkInputGradient = inputGradient && !lanes;
    strategy.prepare(Parallel.threads(), true);
    // Chunks of whole groups, by N and the shape alone (not the strategy): every strategy sums the same samples.
    int grain = Math.max(strategy.g.group(), Parallel.grainFor(n, MAX_CHUNKS));
    chunkGrads = Scratch.buffers(chunkGrads, Parallel.chunks(n, grain), strategy.g.biasGradientOffset() + outChannels);
    try {
      Parallel.forRange(n, grain, backwardChunk);
    } finally {
      this.gradOutput = null;
    }
    strategy.addChunkGradients(chunkGrads);
    if (lanes) {
      ConvGeometry g = strategy.g;
      if (interleavedInputGradient == null || !interleavedBackwardGeometry.equals(g)) {
        interleavedInputGradient = InterleavedLayers.ofInputGradient(this, new int[] {inChannels, g.inH(), g.inW()});
        interleavedBackwardGeometry = g;
      }
      interleavedInputGradient.forward(gradOutput, gradInput);
    }
    return gradInput;
  }

  // Samples [start, end), group by group: dx of each sample, and the chunk's dW and db sums.
  private void backwardChunk(int chunk, int start, int end, int worker) {
    float[] g = chunkGrads[chunk];
    for (int from = start; from < end; from += strategy.samplesPerProduct()) {
      int to = Math.min(end, from + strategy.samplesPerProduct());
      strategy.backward(input.data(), gradOutput.data(), from, to, worker, g, from == start,
          chunkInputGradient ? gradInput.data() : null);
      strategy.biasGradient(gradOutput.data(), from, to, g, from == start);
    }
  }

  @Override
  public String toString() {
    return "Conv2d(%d, %d, kernel_size=(%d, %d), stride=(%d, %d)%s%s)".formatted(inChannels, outChannels, kernel,
        kernel, stride, stride, padding == 0 ? "" : ", padding=(%d, %d)".formatted(padding, padding),
        bias == null ? ", bias=False" : "");
  }
}
