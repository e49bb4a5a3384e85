package dev.backprop.layers;

import dev.backprop.tensor.Parallel;
import dev.backprop.tensor.Kernels;
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
  private int units; // per sample, of the mask being drawn
  private long stepKey; // Rng.derive(seed, step) of the mask being drawn
  private float[] source; // while scaling: x in forward, dy in backward
  private float[] target; // while scaling: y in forward, dx in backward
  private int unitSize; // elements per mask entry, while scaling
  private final Parallel.Body drawSamples = this::drawSamples;
  private final Parallel.Body scaleUnits = this::scaleUnits;

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

  /** Sets the step of the next mask: masks are a function of (seed, step, sample, unit), not of a stream. */
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
    requireBatch(x);
    units = units(x);
    mask = Tensor.reuseOrAllocate(mask, maskShape(x));
    stepKey = Rng.derive(seed, step);
    Parallel.forRange(x.dim(0), Parallel.grainForItems(x.size() / Math.max(1, x.dim(0))), drawSamples);
    step++;
    return applyMask(x);
  }

  // Samples [from, to): draw their mask entries.
  private void drawSamples(int chunk, int from, int to, int worker) {
    float[] m = mask.data();
    for (int s = from; s < to; s++) {
      // m[s·units + u] = doubleAt(derive(stepKey, s), u) >= p ? 1 : 0
      Kernels.keepMask(Rng.derive(stepKey, s), p, m, s * units, units);
    }
  }

  /**
   * A training forward with a given 0/1 mask (shape as {@link #lastMask()}) instead of a drawn one; the step
   * does not advance. Only for the golden tests: PyTorch's masks come from its own generator, and this lets the
   * test run the layer's scaling and backward on them. Package-private, so not part of the layer API.
   */
  Tensor forwardWithMask(Tensor x, Tensor givenMask) {
    requireBatch(x);
    if (!givenMask.hasShape(maskShape(x))) {
      throw new IllegalArgumentException(this + ": mask " + givenMask + " for input " + x);
    }
    mask = Tensor.reuseOrAllocate(mask, maskShape(x));
    float[] m = mask.data();
    float[] given = givenMask.data();
    for (int k = 0, size = mask.size(); k < size; k++) {
      if (given[k] != 0f && given[k] != 1f) {
        throw new IllegalArgumentException(this + ": mask values must be 0 or 1, got " + given[k]);
      }
      m[k] = given[k];
    }
    return applyMask(x);
  }

  private void requireBatch(Tensor x) {
    if (x.rank() < 2) {
      throw new IllegalArgumentException(this + " expects a batch of samples, got " + x);
    }
  }

  /** output = x · (mask · 1/(1 − p)), each mask entry covering one unit of consecutive elements. */
  private Tensor applyMask(Tensor x) {
    identity = false;
    output = Scratch.like(output, x);
    scaleByMask(x.data(), output.data(), x.size());
    return output;
  }

  @Override
  public Tensor backward(Tensor gradOutput) {
    if (identity) {
      return gradOutput;
    }
    Shapes.requireGradient(gradOutput, output, toString());
    gradInput = Scratch.like(gradInput, output);
    scaleByMask(gradOutput.data(), gradInput.data(), gradInput.size());
    return gradInput;
  }

  /** to = from · (mask · 1/(1 − p)): the forward and the backward pass are the same product. */
  private void scaleByMask(float[] from, float[] to, int size) {
    source = from;
    target = to;
    unitSize = mask.size() == 0 ? 0 : size / mask.size();
    try {
      Parallel.forRange(mask.size(), Parallel.grainForItems(unitSize), scaleUnits);
    } finally {
      source = null;
      target = null;
    }
  }

  // Mask entries [from, to): scale their units. 1/(1 − p) is rounded to float, as PyTorch scales the mask.
  private void scaleUnits(int chunk, int from, int to, int worker) {
    float scale = p == 1 ? 0f : (float) (1.0 / (1.0 - p));
    float[] m = mask.data();
    if (unitSize == 1) {
      Kernels.multiply(source, m, scale, target, from, to);
      return;
    }
    for (int k = from; k < to; k++) {
      Kernels.scale(source, m[k] * scale, target, k * unitSize, (k + 1) * unitSize);
    }
  }
}
