package dev.backprop.tensor;

/**
 * One implementation of {@link Gemm#gemm}. {@link Gemm} has already checked the arguments: m, n, k are at least 1,
 * every element the product reads or writes lies inside its array, and c does not overlap a or b. Implementations
 * are stateless, so one instance serves every thread.
 */
interface GemmKernel {

  void gemm(boolean transA, boolean transB, int m, int n, int k, float[] a, int aOffset, int lda, float[] b,
      int bOffset, int ldb, float[] c, int cOffset, int ldc, boolean accumulate);

  /** See {@link Gemm#columnMultiple()}. */
  int columnMultiple();
}
