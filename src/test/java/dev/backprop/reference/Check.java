package dev.backprop.reference;

import dev.backprop.layers.Buffer;
import dev.backprop.layers.Layer;
import dev.backprop.layers.Parameter;
import dev.backprop.loss.ClassificationLoss;
import dev.backprop.tensor.Rng;
import dev.backprop.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * One-line checks of an engine layer or loss (tinygrad's helper_test_op, with the double reference standing in
 * for torch). {@code layer(new Conv2d(...), true, 2, 3, 9, 9)}:
 *
 * <ol>
 *   <li>randomises the layer's parameters (U(−1, 1)) and float buffers (U(0.5, 1.5)); random N(0, 1) input;
 *   <li>engine forward vs reference forward, engine backward vs reference backward (input gradient and every
 *       parameter gradient) for a random N(0, 1) output gradient, each within
 *       max|engine − ref| ≤ {@link #ENGINE_TOLERANCE}·max(1, max|ref|);
 *   <li>the reference's own gradients against central finite differences ({@link GradCheck}), entry by entry
 *       (up to {@code fdSamples} random entries per tensor) or, for whole models, along random directions;
 *   <li>the contract: input and output gradient left unchanged, the same output and gradient tensors returned
 *       by a second backward and a second forward (no steady-state allocation), parameter gradients accumulated
 *       (≈ 2× after two backward passes of the same forward).
 * </ol>
 */
public final class Check {
  public static final double ENGINE_TOLERANCE = 1e-5;
  /** Finite-difference samples per tensor when the tensor is bigger. */
  public static final int FD_SAMPLES = 60;
  /** As {@code fdSamples}: check the reference along 4 random directions instead of entry by entry (for models). */
  public static final int DIRECTIONAL = 0;

  private static final boolean VERBOSE = Boolean.getBoolean("backprop.check.verbose");

  private Check() {}

  /** Checks {@code engine} against its {@link Reference} twin on an input of the given shape. */
  public static void layer(Layer engine, boolean training, int... inputShape) {
    layer(engine, e -> Reference.of(e, training), training, 1, FD_SAMPLES, ENGINE_TOLERANCE, inputShape);
  }

  /** Full form: a reference built from the engine layer after its first forward; seed; FD samples; tolerance. */
  public static <L extends Layer> void layer(
      L engine,
      Function<L, RefLayer> reference,
      boolean training,
      long seed,
      int fdSamples,
      double tolerance,
      int... inputShape) {
    String name = engine.toString().lines().findFirst().orElse("") + " " + Arrays.toString(inputShape);
    Rng rng = new Rng(seed);
    for (Parameter p : engine.parameters()) {
      rng.uniform(p.value().data(), -1, 1);
    }
    for (Buffer b : engine.buffers()) {
      if (!b.integer()) {
        rng.uniform(b.value().data(), 0.5, 1.5);
      }
    }
    Tensor x = Tensor.zeros(inputShape);
    rng.gaussian(x.data(), 0, 1);
    float[] xBefore = x.data().clone();

    Tensor out = engine.forward(x, training);
    float[] outValues = out.data().clone();
    RefLayer ref = reference.apply(engine);
    DTensor xd = DTensor.of(x);
    DTensor refOut = ref.forward(xd);
    close(name + " forward", out, refOut, tolerance);

    Tensor r = Tensor.zeros(out.shape());
    rng.gaussian(r.data(), 0, 1);
    float[] rBefore = r.data().clone();
    for (Parameter p : engine.parameters()) {
      p.zeroGrad();
    }
    Tensor dx = engine.backward(r);
    RefLayer.Grads refGrads = ref.backward(xd, DTensor.of(r));
    close(name + " input gradient", dx, refGrads.input(), tolerance);
    List<Parameter> params = engine.parameters();
    List<float[]> firstGrads = new ArrayList<>();
    for (int i = 0; i < params.size(); i++) {
      close(name + " " + params.get(i).name() + " gradient", params.get(i).grad(), refGrads.params().get(i), tolerance);
      firstGrads.add(params.get(i).grad().data().clone());
    }

    double fdWorst =
        fdSamples == DIRECTIONAL
            ? GradCheck.directions(ref, xd, DTensor.of(r), 4, seed)
            : GradCheck.layer(ref, xd, DTensor.of(r), fdSamples, seed);
    log("%s finite differences: worst %.2g (tolerance %.0g)", name, fdWorst, GradCheck.TOLERANCE);

    check(Arrays.equals(x.data(), xBefore), name + ": forward modified its input");
    check(Arrays.equals(r.data(), rBefore), name + ": backward modified its output gradient");
    check(Arrays.equals(out.data(), outValues), name + ": backward modified the output");
    check(engine.backward(r) == dx, name + ": second backward allocated a new input gradient");
    for (int i = 0; i < params.size(); i++) {
      Tensor twice = params.get(i).grad();
      DTensor expected = DTensor.zeros(twice.shape());
      for (int j = 0; j < expected.size(); j++) {
        expected.data()[j] = 2.0 * firstGrads.get(i)[j];
      }
      close(name + " " + params.get(i).name() + " gradient after two backward passes", twice, expected, tolerance);
    }
    check(engine.forward(x, training) == out, name + ": second forward allocated a new output");
    check(engine.backward(r) == dx, name + ": backward after the second forward allocated a new input gradient");
  }

  /** Checks a classification loss against its reference: value, gradient, finite differences, reuse. */
  public static void classificationLoss(
      ClassificationLoss engine, RefClassificationLoss ref, int n, int c, long seed) {
    String name = engine + " [" + n + ", " + c + "]";
    Rng rng = new Rng(seed);
    Tensor x = Tensor.zeros(n, c);
    rng.gaussian(x.data(), 0, 2);
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      labels[i] = rng.nextInt(c);
    }
    DTensor xd = DTensor.of(x);
    double loss = engine.forward(x, labels);
    double refLoss = ref.forward(xd, labels);
    check(
        Math.abs(loss - refLoss) <= 1e-6 * Math.max(1, Math.abs(refLoss)),
        name + ": loss " + loss + " vs reference " + refLoss);
    Tensor grad = engine.backward();
    close(name + " gradient", grad, ref.backward(xd, labels), ENGINE_TOLERANCE);
    double fdWorst = GradCheck.loss(ref, xd, labels);
    log("%s finite differences: worst %.2g (tolerance %.0g)", name, fdWorst, GradCheck.TOLERANCE);
    engine.forward(x, labels);
    check(engine.backward() == grad, name + ": second backward allocated a new gradient");
  }

  /**
   * max|engine − ref| ≤ tolerance · max(1, max|ref|): relative to the largest reference entry, and absolute for
   * tensors whose entries are all below 1 (inputs and output gradients are O(1), so float rounding of a
   * mathematically zero gradient, e.g. a conv bias in front of BatchNorm, is about 1e-7, not 0). Returns the error.
   */
  public static double close(String what, Tensor engine, DTensor ref, double tolerance) {
    if (!Arrays.equals(engine.shape(), ref.shape())) {
      throw new AssertionError(what + ": engine " + engine + " vs reference " + ref);
    }
    double maxDiff = 0;
    int at = -1;
    for (int i = 0; i < ref.size(); i++) {
      double d = Math.abs(engine.data()[i] - ref.data()[i]);
      if (!(d <= maxDiff)) { // also catches NaN
        maxDiff = d;
        at = i;
      }
    }
    double scale = Math.max(1, ref.maxAbs());
    double rel = maxDiff / scale;
    log("%s: max|diff| %.2g, relative %.2g (tolerance %.0g)", what, maxDiff, rel, tolerance);
    if (!(rel <= tolerance)) {
      throw new AssertionError(
          "%s: max|engine − ref| = %.3g at [%d] (engine %.8g, ref %.8g), %.3g of max(1, max|ref|) = %.3g > %.0g"
              .formatted(what, maxDiff, at, engine.data()[at], ref.data()[at], rel, scale, tolerance));
    }
    return rel;
  }

  private static void check(boolean condition, String message) {
    if (!condition) {
      throw new AssertionError(message);
    }
  }

  private static void log(String format, Object... args) {
    if (VERBOSE) {
      System.out.println(format.formatted(args));
    }
  }
}
