package dev.backprop.layers;

import dev.backprop.tensor.Parallel;
import dev.backprop.tensor.Rng;
import dev.backprop.tensor.Tensor;

/**
 * Inverted dropout over "units" of each sample: single elements ({@link Dropout}) or whole channels
 * ({@link Dropout2d}). In training a unit is kept with probability 1 − p and then scaled by 1/(1 − p), so the
 * expected output equals the input; in eval mode, or when p = 0, the layer is the identity and returns its
 * input (and in backward its gradient) unchanged, without copying.
 *
 * <p>The mask is reproducible: unit u of sample s in training step t is kept iff
 * {@code Rng.doubleAt(Rng.derive(Rng.derive(seed, t), s), u) >= p} (see {@link #kept}), where {@code seed} is
 * drawn once from the constructor's generator and t counts this layer's training forwards (from 0). No value
 * depends on other samples or on how the batch is split over threads (samples run in parallel,
 * {@link Parallel}). As PyTorch, the output is {@code x · (mask · 1/(1 − p))}, so a NaN or ∞ input stays NaN even
 * where dropped.
 */
public abstract sealed class AbstractDropout implements Layer permits Dropout, Dropout2d {
  private final double p;
  private final long seed;
  private long step;

  private boolean identity = true; // the last forward was the identity
  private Tensor mask; // 0/1 per unit, of the last training forward
  private Tensor output;
  private Tensor gradInput;
  private Tensor input; // during forward
  private Tensor gradOutput; // during backward
  private int units; // per sample, of the last training forward
  private int unitSize; // elements per unit
  private float scale; // 1/(1 − p), or 0 when p = 1
  private long stepKey; // Rng.derive(seed, step) of the mask being made
  private final Parallel.Body forwardSamples = this::forwardSamples;
  private final Parallel.Body backwardUnits = this::backwardUnits;

  AbstractDropout(double p, Rng rng) {
    if (!(p >= 0 && p <= 1)) {
      throw new IllegalArgumentException("dropout probability has to be between 0 and 1, but got " + p);
    }
    this.p = p;
    this.seed = rng.nextLong();
  }

  public double p() {
    return p;
  }

  /** The key all masks of this layer derive from. */
  public long seed() {
    return seed;
  }

  /** Training forwards so far: the step of the next mask. */
  public long step() {
    return step;
  }

  /** Sets the step of the next mask, e.g. when resuming training from a checkpoint. */
  public void setStep(long step) {
    this.step = step;
  }

  /** Whether unit {@code unit} of sample {@code sample} is kept in step {@code step} (the mask definition). */
  public static boolean kept(long seed, long step, long sample, long unit, double p) {
    return Rng.doubleAt(Rng.derive(Rng.derive(seed, step), sample), unit) >= p;
  }

  /**
   * The 0/1 mask of the last training forward (1 = kept), or null if there was none: same shape as the input
   * for {@link Dropout}, [N, C, 1, 1] for {@link Dropout2d}. The output was input · mask / (1 − p). The tensor is
   * the layer's own buffer: valid until the next forward, not to be modified.
   */
  public Tensor lastMask() {
    return mask;
  }

  /** Units per sample (elements, or channels). */
  abstract int units(Tensor x);

  /** The mask tensor shape for input x. */
  abstract int[] maskShape(Tensor x);

  @Override
  public int[] outputShape(int[] inputShape) {
    return inputShape.clone();
  }

  // x [N, ...] -> y [N, ...]
  @Override
  public Tensor forward(Tensor x, boolean training) {
    if (!training || p == 0) {
      identity = true;
      return x;
    }
    identity = false;
    if (x.rank() < 2) {
      throw new IllegalArgumentException(this + " expects a batch of samples, got " + x);
    }
    int n = x.dim(0);
    units = units(x);
    unitSize = n == 0 ? 0 : x.size() / (n * units);
    mask = Tensor.reuseOrAllocate(mask, maskShape(x));
    output = Shapes.like(output, x);
    scale = p == 1 ? 0f : (float) (1.0 / (1.0 - p));
    stepKey = Rng.derive(seed, step);
    input = x;
    try {
      Parallel.forRange(n, Shapes.grain(units * unitSize), forwardSamples);
    } finally {
      input = null;
    }
    step++;
    return output;
  }

  // Samples [from, to) of the forward pass: their masks and outputs.
  private void forwardSamples(int chunk, int from, int to, int worker) {
    float[] in = input.data();
    float[] y = output.data();
    float[] m = mask.data();
    for (int s = from; s < to; s++) {
      long sampleKey = Rng.derive(stepKey, s);
      for (int u = 0; u < units; u++) {
        boolean keep = Rng.doubleAt(sampleKey, u) >= p;
        m[s * units + u] = keep ? 1f : 0f;
        float factor = keep ? scale : 0f;
        for (int i = (s * units + u) * unitSize, end = i + unitSize; i < end; i++) {
          y[i] = in[i] * factor;
        }
      }
    }
  }

  @Override
  public Tensor backward(Tensor gradOutput) {
    if (identity) {
      return gradOutput;
    }
    Shapes.requireGradient(gradOutput, output, toString());
    gradInput = Shapes.like(gradInput, output);
    this.gradOutput = gradOutput;
    try {
      Parallel.forRange(mask.size(), Shapes.grain(unitSize), backwardUnits);
    } finally {
      this.gradOutput = null;
    }
    return gradInput;
  }

  // Mask units [from, to) of the backward pass.
  private void backwardUnits(int chunk, int from, int to, int worker) {
    float[] dy = gradOutput.data();
    float[] dx = gradInput.data();
    float[] m = mask.data();
    for (int k = from; k < to; k++) {
      float factor = m[k] * scale;
      for (int i = k * unitSize, end = i + unitSize; i < end; i++) {
        dx[i] = dy[i] * factor;
      }
    }
  }
}
