package dev.backprop.optim;

import dev.backprop.UserError;

/**
 * The one-cycle policy, as torch.optim.lr_scheduler.OneCycleLR (1.13, two phases). Stepped <b>once per batch</b>,
 * after each {@code optimizer.step()}; {@code totalSteps} is the number of batches in the whole run
 * (epochs &times; batches per epoch).
 *
 * <p>Construction sets the learning rate to {@code initialLr = maxLr / divFactor} (and, with
 * {@code cycleMomentum}, the optimizer's momentum, SGD's {@code momentum} or Adam's {@code beta1}, to
 * {@code maxMomentum}); that is what the first batch uses. After k steps, with {@code e1 = pctStart * totalSteps -
 * 1} and {@code e2 = totalSteps - 1}:
 *
 * <pre>
 * k &lt;= e1:  lr = anneal(initialLr, maxLr, k / e1)                momentum = anneal(maxMomentum, baseMomentum, ...)
 * k &gt; e1:   lr = anneal(maxLr, minLr, (k - e1) / (e2 - e1))      momentum = anneal(baseMomentum, maxMomentum, ...)
 * minLr = initialLr / finalDivFactor
 * anneal cos: end + (start - end) / 2 * (cos(pi * pct) + 1);   linear: (end - start) * pct + start
 * </pre>
 *
 * As in PyTorch, step {@code totalSteps} itself is allowed and one more is an error; that last value lies past
 * the end of the anneal (back up the cosine; slightly negative for LINEAR) and no optimizer step uses it when the
 * schedule is stepped after each of {@code totalSteps} batches. Only the two-phase schedule is implemented
 * (PyTorch's {@code three_phase=False}).
 */
public final class OneCycleLR extends CountedSchedule {

  /** How the rate moves within a phase. */
  public enum Anneal {
    COS,
    LINEAR
  }

  private final Optimizer optimizer;
  private final int totalSteps;
  private final Anneal anneal;
  private final boolean cycleMomentum;
  private final double initialLr;
  private final double maxLr;
  private final double minLr;
  private final double baseMomentum;
  private final double maxMomentum;
  private final double warmupEnd;
  private final double end;

  /** Cosine annealing; see the class comment for the meaning of each argument. */
  public OneCycleLR(
      Optimizer optimizer,
      double maxLr,
      int totalSteps,
      double pctStart,
      double divFactor,
      double finalDivFactor,
      boolean cycleMomentum,
      double baseMomentum,
      double maxMomentum) {
    this(optimizer, maxLr, totalSteps, pctStart, Anneal.COS, divFactor, finalDivFactor, cycleMomentum,
        baseMomentum, maxMomentum);
  }

  public OneCycleLR(
      Optimizer optimizer,
      double maxLr,
      int totalSteps,
      double pctStart,
      Anneal anneal,
      double divFactor,
      double finalDivFactor,
      boolean cycleMomentum,
      double baseMomentum,
      double maxMomentum) {
    if (totalSteps < 1) {
      throw new UserError("OneCycleLR needs a positive number of total steps, got " + totalSteps);
    }
    if (!(pctStart >= 0 && pctStart <= 1)) {
      throw new UserError("OneCycleLR pct_start must be between 0 and 1, got " + pctStart);
    }
    Checks.atLeastZero("max_lr", maxLr);
    if (!(divFactor > 0) || !(finalDivFactor > 0)) {
      throw new UserError(
          "OneCycleLR div factors must be positive, got " + divFactor + " and " + finalDivFactor);
    }
    this.optimizer = optimizer;
    this.totalSteps = totalSteps;
    this.anneal = anneal;
    this.cycleMomentum = cycleMomentum;
    this.maxLr = maxLr;
    this.initialLr = maxLr / divFactor;
    this.minLr = initialLr / finalDivFactor;
    this.baseMomentum = baseMomentum;
    this.maxMomentum = maxMomentum;
    this.warmupEnd = pctStart * totalSteps - 1;
    this.end = totalSteps - 1;
    // PyTorch divides by these phase lengths (and fails there); refuse the configuration up front instead.
    if (warmupEnd == 0) {
      throw new UserError(
          "OneCycleLR pct_start " + pctStart + " of " + totalSteps + " steps leaves a warm-up of zero length");
    }
    if (end == warmupEnd) {
      throw new UserError(
          "OneCycleLR pct_start " + pctStart + " of " + totalSteps + " steps leaves an annealing phase of zero length");
    }
    if (cycleMomentum) {
      optimizer.setMomentum(maxMomentum);
    }
    stepCount = -1; // PyTorch's constructor takes step 0 itself
    step();
  }

  /**
   * PyTorch's defaults: pct_start 0.3, cosine, div_factor 25, final_div_factor 1e4, momentum cycled between 0.85
   * and 0.95.
   */
  public static OneCycleLR withDefaults(Optimizer optimizer, double maxLr, int totalSteps) {
    return new OneCycleLR(optimizer, maxLr, totalSteps, 0.3, Anneal.COS, 25, 1e4, true, 0.85, 0.95);
  }

  /** PyTorch's defaults for {@code epochs * stepsPerEpoch} steps. */
  public static OneCycleLR withDefaults(Optimizer optimizer, double maxLr, int epochs, int stepsPerEpoch) {
    if (epochs < 1 || stepsPerEpoch < 1) {
      throw new UserError(
          "OneCycleLR needs positive epochs and steps per epoch, got " + epochs + " and " + stepsPerEpoch);
    }
    return withDefaults(optimizer, maxLr, Math.multiplyExact(epochs, stepsPerEpoch));
  }

  /** Call once per batch, after {@code optimizer.step()}. */
  @Override
  public void step() {
    if (stepCount + 1 > totalSteps) {
      throw new IllegalStateException(
          "Tried to step " + (stepCount + 2) + " times. The specified number of total steps is " + totalSteps);
    }
    stepCount++;
    double lr;
    double momentum;
    if (stepCount <= warmupEnd) {
      double pct = stepCount / warmupEnd;
      lr = anneal(initialLr, maxLr, pct);
      momentum = anneal(maxMomentum, baseMomentum, pct);
    } else {
      double pct = (stepCount - warmupEnd) / (end - warmupEnd);
      lr = anneal(maxLr, minLr, pct);
      momentum = anneal(baseMomentum, maxMomentum, pct);
    }
    optimizer.setLearningRate(lr);
    if (cycleMomentum) {
      optimizer.setMomentum(momentum);
    }
    lastLearningRate = lr;
  }

  private double anneal(double start, double stop, double pct) {
    return switch (anneal) {
      case COS -> stop + (start - stop) / 2.0 * (cosPi(pct) + 1);
      case LINEAR -> (stop - start) * pct + start;
    };
  }

  public int totalSteps() {
    return totalSteps;
  }

  /**
   * cos(π·pct) for pct in [0, 1], the same bits on every CPU (Math.cos's intrinsics differ between CPUs, and
   * StrictMath.cos allocates a scratch array on every call). The argument is brought into [−π/4, π/4] by
   * cos x = sin(π/2 − x) = −cos(π − x) (1/2 − pct and 1 − pct are exact for pct in [1/4, 1]), where the Taylor
   * series to x^22 has converged in double (the next term is below 1e-21): a few ulps from the exact value.
   */
  static double cosPi(double pct) {
    if (pct <= 0.25) {
      return cosSeries(Math.PI * pct);
    }
    if (pct <= 0.75) {
      return sinSeries(Math.PI * (0.5 - pct));
    }
    return -cosSeries(Math.PI * (1 - pct));
  }

  /** 1 − x²/2! + x⁴/4! − ... to x^22, by Horner's rule: 1 − x²/(1·2)·(1 − x²/(3·4)·(1 − ...)). */
  private static double cosSeries(double x) {
    double x2 = x * x;
    double sum = 1;
    for (int n = 22; n >= 2; n -= 2) {
      sum = 1 - x2 / (n * (n - 1)) * sum;
    }
    return sum;
  }

  /** x − x³/3! + ... to x^23, by Horner's rule. */
  private static double sinSeries(double x) {
    double x2 = x * x;
    double sum = 1;
    for (int n = 23; n >= 3; n -= 2) {
      sum = 1 - x2 / (n * (n - 1)) * sum;
    }
    return x * sum;
  }
}
