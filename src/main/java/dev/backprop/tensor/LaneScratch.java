package dev.backprop.tensor;

import java.util.Arrays;

/** The per-thread lane sums of the {@link KernelSet} sums, shared by both kernels. */
final class LaneScratch {
  private static final ThreadLocal<double[]> SUMS =
      ThreadLocal.withInitial(() -> new double[2 * KernelSet.LANES]);

  private LaneScratch() {}

  /** This thread's 2 x 16 lane sums (batchNormSums keeps two sums at once), as the last user left them. */
  static double[] get() {
    return SUMS.get();
  }

  /** {@link #get}, zeroed. */
  static double[] zeroed() {
    double[] lanes = SUMS.get();
    Arrays.fill(lanes, 0);
    return lanes;
  }
}
