package dev.backprop.optim;

import dev.backprop.layers.Parameter;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The update shared by {@link Adam} and {@link AdamW}, which differ only in how weight decay enters. Per element,
 * at step t (1, 2, ...), with g the gradient:
 *
 * <pre>
 * p = p * (1 - lr * weightDecay)                (AdamW: decoupled decay, before the update)
 * g = g + weightDecay * p                       (Adam: L2 added to the gradient)
 * m = beta1 * m + (1 - beta1) * g
 * v = beta2 * v + (1 - beta2) * g * g
 * p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 * </pre>
 *
 * as torch.optim.Adam / AdamW (1.13, amsgrad off): bias corrections in double, the element arithmetic in float32
 * rounded the way PyTorch's CPU kernels round it ({@link FloatMath}); on the golden fixtures the parameters agree
 * bit for bit. beta1 is read at every step, so a schedule may cycle it. The moment buffers are allocated at
 * construction; steps allocate nothing.
 */
abstract sealed class AdamBase extends ParameterGroupOptimizer permits Adam, AdamW {
  private final float[][] firstMoments;
  private final float[][] secondMoments;
  private final double beta2;
  private final double eps;
  private final double weightDecay;
  private final boolean decoupled;
  private double beta1;
  private long steps;

  AdamBase(
      List<Parameter> parameters,
      double learningRate,
      double beta1,
      double beta2,
      double eps,
      double weightDecay,
      boolean decoupled) {
    super(parameters, learningRate);
    this.beta1 = Checks.beta("beta at index 0", beta1);
    this.beta2 = Checks.beta("beta at index 1", beta2);
    this.eps = Checks.atLeastZero("epsilon value", eps);
    this.weightDecay = Checks.atLeastZero("weight_decay value", weightDecay);
    this.decoupled = decoupled;
    this.firstMoments = new float[this.parameters.size()][];
    this.secondMoments = new float[this.parameters.size()][];
    for (int k = 0; k < this.parameters.size(); k++) {
      firstMoments[k] = new float[this.parameters.get(k).size()];
      secondMoments[k] = new float[this.parameters.get(k).size()];
    }
  }

  @Override
  public void step() {
    steps++;
    final double t = steps;
    // β^t as e^(t·ln β): StrictMath gives the same bits on every CPU, and its pow allocates on every call.
    final double biasCorrection1 = 1 - StrictMath.exp(t * StrictMath.log(beta1));
    final double biasCorrection2 = 1 - StrictMath.exp(t * StrictMath.log(beta2));
    final float negStepSize = (float) -(learningRate() / biasCorrection1);
    final float bc2Sqrt = (float) Math.sqrt(biasCorrection2);
    final float b1 = (float) beta1;
    final float b2 = (float) beta2;
    final float oneMinusB1 = (float) (1 - beta1);
    final float oneMinusB2 = (float) (1 - beta2);
    final float epsF = (float) eps;
    final boolean l2 = !decoupled && weightDecay != 0;
    final boolean shrink = decoupled && weightDecay != 0;
    final float wd = (float) weightDecay;
    final float keep = (float) (1 - learningRate() * weightDecay);
    for (int k = 0; k < parameters.size(); k++) {
      Parameter parameter = parameters.get(k);
      float[] p = parameter.value().data();
      float[] g = parameter.grad().data();
      float[] m = firstMoments[k];
      float[] v = secondMoments[k];
      for (int i = 0; i < p.length; i++) {
        float pi = p[i];
        float gi = g[i];
        if (shrink) {
          pi = pi * keep;
        }
        if (l2) {
          gi = FloatMath.fma(wd, pi, gi);
        }
        float mi = FloatMath.fma(oneMinusB1, gi, m[i] * b1);
        float vi = FloatMath.fma(oneMinusB2 * gi, gi, v[i] * b2);
        m[i] = mi;
        v[i] = vi;
        float denom = (float) Math.sqrt(vi) / bc2Sqrt + epsF;
        p[i] = pi + negStepSize * mi / denom;
      }
    }
  }

  /** PyTorch's entries: {@code step} (a float, as 1.13 keeps it), {@code exp_avg} and {@code exp_avg_sq}. */
  @Override
  public Map<String, float[]> state() {
    Map<String, float[]> state = new LinkedHashMap<>();
    if (steps == 0) {
      return state;
    }
    for (int k = 0; k < firstMoments.length; k++) {
      state.put(k + ".step", new float[] {steps});
      state.put(k + ".exp_avg", firstMoments[k].clone());
      state.put(k + ".exp_avg_sq", secondMoments[k].clone());
    }
    return state;
  }

  @Override
  public void loadState(Map<String, float[]> state) {
    Set<String> used = new HashSet<>();
    long restoredSteps = 0;
    for (int k = 0; k < firstMoments.length; k++) {
      int size = parameters.get(k).size();
      float[] step = restored(state, k, "step", 1, used);
      float[] m = restored(state, k, "exp_avg", size, used);
      float[] v = restored(state, k, "exp_avg_sq", size, used);
      if (step == null || m == null || v == null) {
        if (!state.isEmpty()) {
          throw new IllegalArgumentException("optimizer state lacks parameter " + k + "'s Adam moments");
        }
        continue;
      }
      restoredSteps = (long) step[0];
      firstMoments[k] = m;
      secondMoments[k] = v;
    }
    requireAllUsed(state, used);
    steps = restoredSteps;
  }

  /** Steps taken so far (PyTorch's {@code state['step']}). */
  public long steps() {
    return steps;
  }

  /** beta1, the first-moment decay: what OneCycleLR cycles for Adam. */
  @Override
  public double momentum() {
    return beta1;
  }

  @Override
  public void setMomentum(double beta1) {
    this.beta1 = Checks.beta("beta at index 0", beta1);
  }

  public double beta1() {
    return beta1;
  }

  public double beta2() {
    return beta2;
  }

  public double eps() {
    return eps;
  }

  public double weightDecay() {
    return weightDecay;
  }
}
