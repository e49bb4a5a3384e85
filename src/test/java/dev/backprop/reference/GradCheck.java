package dev.backprop.reference;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.ToDoubleFunction;

/**
 * Central finite differences in double precision: ∂L/∂v ≈ (L(v + h) − L(v − h)) / 2h with h = 1e-6, compared with
 * an analytic gradient entry by entry: |fd − analytic| ≤ 1e-6 · max(1, |analytic|). Truncation error is
 * O(h²·L''') and rounding error about ε·|L|/h ≈ 1e-10·|L|, both well below the tolerance for the sizes used.
 */
public final class GradCheck {
  public static final double H = 1e-6;
  public static final double TOLERANCE = 1e-6;

  private GradCheck() {}

  /**
   * Checks a reference layer's backward at x for the scalar L = Σ forward(x)·r (so dL/dy = r): every entry of x
   * and of each parameter, or {@code maxPerTensor} random entries of bigger tensors. Returns the largest error
   * seen, in units of the tolerance's scale.
   */
  public static double layer(RefLayer layer, DTensor x, DTensor r, int maxPerTensor, long seed) {
    RefLayer.Grads analytic = layer.backward(x, r);
    ToDoubleFunction<Void> loss = unused -> dot(layer.forward(x), r);
    Random random = new Random(seed);
    double worst = tensor("input", x, analytic.input(), loss, maxPerTensor, random);
    List<DTensor> params = layer.params();
    if (analytic.params().size() != params.size()) {
      throw new AssertionError(params.size() + " parameters but " + analytic.params().size() + " gradients");
    }
    for (int i = 0; i < params.size(); i++) {
      DTensor grad = analytic.params().get(i);
      worst = Math.max(worst, tensor("param " + i, params.get(i), grad, loss, maxPerTensor, random));
    }
    return worst;
  }

  /**
   * Checks a reference layer's backward along random directions: one pair of forwards per direction v (over the
   * input and all parameters at once) compares (L(θ + h·v) − L(θ − h·v)) / 2h with Σ gᵢ·vᵢ, within 1e-6 ·
   * max(1, Σ |gᵢ·vᵢ|). Cheap enough for a whole model; a wrong entry of weight |gᵢ·vᵢ| shows unless it is tiny
   * against the sum, so this complements, not replaces, the per-entry check of each layer.
   */
  public static double directions(RefLayer layer, DTensor x, DTensor r, int directions, long seed) {
    RefLayer.Grads analytic = layer.backward(x, r);
    List<DTensor> values = new ArrayList<>(layer.params());
    values.add(0, x);
    List<DTensor> grads = new ArrayList<>(analytic.params());
    grads.add(0, analytic.input());
    Random random = new Random(seed);
    double worst = 0;
    for (int d = 0; d < directions; d++) {
      List<double[]> v = new ArrayList<>();
      List<double[]> saved = new ArrayList<>();
      double an = 0;
      double scale = 0;
      for (int t = 0; t < values.size(); t++) {
        double[] dir = new double[values.get(t).size()];
        for (int i = 0; i < dir.length; i++) {
          dir[i] = random.nextGaussian();
          double term = grads.get(t).data()[i] * dir[i];
          an += term;
          scale += Math.abs(term);
        }
        v.add(dir);
        saved.add(values.get(t).data().clone());
      }
      double plus = shifted(layer, x, r, values, saved, v, H);
      double minus = shifted(layer, x, r, values, saved, v, -H);
      for (int t = 0; t < values.size(); t++) {
        System.arraycopy(saved.get(t), 0, values.get(t).data(), 0, saved.get(t).length);
      }
      double fd = (plus - minus) / (2 * H);
      double err = Math.abs(fd - an) / Math.max(1, scale);
      worst = Math.max(worst, err);
      if (err > TOLERANCE) {
        throw new AssertionError(
            "direction %d: finite difference %.10g vs analytic %.10g (error %.3g of %.3g > %.1g)"
                .formatted(d, fd, an, err, scale, TOLERANCE));
      }
    }
    return worst;
  }

  private static double shifted(
      RefLayer layer, DTensor x, DTensor r, List<DTensor> values, List<double[]> saved, List<double[]> v, double h) {
    for (int t = 0; t < values.size(); t++) {
      double[] target = values.get(t).data();
      for (int i = 0; i < target.length; i++) {
        target[i] = saved.get(t)[i] + h * v.get(t)[i];
      }
    }
    return dot(layer.forward(x), r);
  }

  /** Checks a reference loss's gradient with respect to its input x, every entry. */
  public static double loss(RefClassificationLoss loss, DTensor x, int[] labels) {
    DTensor analytic = loss.backward(x, labels);
    return tensor("input", x, analytic, unused -> loss.forward(x, labels), Integer.MAX_VALUE, new Random(0));
  }

  /** Perturbs entries of {@code values} in place (restoring them) and compares with {@code analytic}. */
  public static double tensor(
      String what,
      DTensor values,
      DTensor analytic,
      ToDoubleFunction<Void> loss,
      int maxEntries,
      Random random) {
    if (!Arrays.equals(values.shape(), analytic.shape())) {
      throw new AssertionError(what + ": gradient " + analytic + " for values " + values);
    }
    int size = values.size();
    int count = Math.min(size, maxEntries);
    int[] order = new int[size];
    for (int i = 0; i < size; i++) {
      order[i] = i;
    }
    for (int i = 0; i < count; i++) { // partial shuffle: the first count entries are a random sample
      int j = i + random.nextInt(size - i);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    double worst = 0;
    double[] v = values.data();
    for (int s = 0; s < count; s++) {
      int i = order[s];
      double saved = v[i];
      v[i] = saved + H;
      double plus = loss.applyAsDouble(null);
      v[i] = saved - H;
      double minus = loss.applyAsDouble(null);
      v[i] = saved;
      double fd = (plus - minus) / (2 * H);
      double an = analytic.data()[i];
      double err = Math.abs(fd - an) / Math.max(1, Math.abs(an));
      worst = Math.max(worst, err);
      if (err > TOLERANCE) {
        throw new AssertionError(
            "%s[%d]: finite difference %.10g vs analytic %.10g (error %.3g > %.1g)"
                .formatted(what, i, fd, an, err, TOLERANCE));
      }
    }
    return worst;
  }

  static double dot(DTensor a, DTensor b) {
    double sum = 0;
    for (int i = 0; i < a.size(); i++) {
      sum += a.data()[i] * b.data()[i];
    }
    return sum;
  }
}
