package dev.backprop.optim;

/**
 * How PyTorch's CPU kernels round the optimizer arithmetic. Each tensor operation rounds to float once, with its
 * Python-number argument rounded to float first; the multiply-adds ({@code add(x, y, alpha)}, {@code addcmul})
 * are fused on CPUs with FMA. PyTorch's vectorised loop for {@code addcmul} on 16 or more elements rounds the
 * product separately, so large tensors may differ from ours by an ulp there.
 */
final class FloatMath {
  private FloatMath() {}

  /**
   * {@code a * b + c} rounded once to float. The product of two floats is exact in double, so only the sum rounds
   * (to double, then to float: equal to a true fused multiply-add except in rare double-rounding ties), without
   * {@link Math#fma}'s slow path on machines that lack the instruction.
   */
  static float fma(float a, float b, float c) {
    return (float) ((double) a * b + c);
  }
}
