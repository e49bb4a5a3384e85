package dev.backprop.tensor;

/**
 * One implementation of {@link Gemm}'s products. Stored row r of B (k x n when {@code transB} is false, n x k when
 * it is true) starts at {@code b[bOffset + rowStart(ldb, bRows, r)]}: at {@code r * ldb} when {@code bRows} is
 * null ({@link Gemm#gemm}), otherwise at the offset the table gives (the row-offset products, whose rows may
 * overlap). The kernels test for the table inside their loops, where C2 moves the invariant test out and keeps a
 * strided loop whose bounds checks it can hoist, so the strided products do not pay for the table's loads.
 * {@link Gemm} has already checked the arguments: m, n, k are at least 1, a table has an entry for every row, every
 * element the product reads or writes lies inside its array, and c does not overlap a or b. Implementations are
 * stateless apart from per-thread scratch, so one instance serves every thread.
 */
interface GemmKernel {

  void gemm(boolean transA, boolean transB, int m, int n, int k, float[] a, int aOffset, int lda, float[] b,
      int bOffset, int ldb, int[] bRows, float[] c, int cOffset, int ldc, boolean accumulate);

  /** See {@link Gemm#columnMultiple()}. */
  int columnMultiple();

  /** Where stored row r of B starts, relative to bOffset. */
  static int rowStart(int ldb, int[] bRows, int r) {
    return bRows == null ? r * ldb : bRows[r];
  }
}
