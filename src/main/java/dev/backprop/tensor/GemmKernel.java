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
 *
 * <p><b>The canonical order.</b> Every implementation computes every element of C with the same float operations
 * in the same order, so that the bits depend on neither the kernel, the vector width, the element's position nor
 * the thread. With c0 the old C[i, j] when accumulating and +0 otherwise, and fma a fused multiply-add (one
 * rounding):
 * <ul>
 *   <li>A not transposed, B transposed, k &gt;= {@link #LANE_SUMS_FROM_K} (long dot products, whose products are
 *       contiguous in both operands): {@link #LANE_SUMS} lane sums, s_l = fma chain from +0 over p = l, l + 8,
 *       l + 16, ... &lt; k in increasing p; then C[i, j] = c0 + {@link #foldLaneSums}(s) (c0 omitted when not
 *       accumulating).
 *   <li>every other layout and length: C[i, j] = fma(op(A)[i, k-1], op(B)[k-1, j], ... fma(op(A)[i, 0],
 *       op(B)[0, j], c0)): one chain in p order.
 * </ul>
 * A product padded with zero columns of A (or rows of B) gets the same bits, as long as the other operand is finite
 * there: fma(0, x, s) = s for every partial sum s, which is never -0 (it starts at +0, and a sum of two floats is
 * -0 only when both are).
 */
interface GemmKernel {

  /**
   * The number of lane sums of a long NT product: one 256-bit vector. The vector kernel runs them at 256 bits on
   * 512-bit machines too, where they were faster (88 against 71-77 GFLOP/s on NT 16x144x528, Zen 5), and in two
   * passes of 128 bits where vectors are that short.
   */
  int LANE_SUMS = 8;
  /**
   * NT products with k at least this sum in lane sums; shorter ones in one chain (the vector kernel copies B^T
   * for them and runs its outer products: folding lane sums would cost more than the products, measured on the
   * weight-gradient shapes m = 16..32, n = 144).
   */
  int LANE_SUMS_FROM_K = 96;

  void gemm(boolean transA, boolean transB, int m, int n, int k, float[] a, int aOffset, int lda, float[] b,
      int bOffset, int ldb, int[] bRows, float[] c, int cOffset, int ldc, boolean accumulate);

  /** Where stored row r of B starts, relative to bOffset. */
  static int rowStart(int ldb, int[] bRows, int r) {
    return bRows == null ? r * ldb : bRows[r];
  }

  /**
   * The sum of the 8 lane sums s[at..at + 7] by a fixed tree: s_l + s_(l+4), then the same with 2 and 1, i.e.
   * ((s0 + s4) + (s2 + s6)) + ((s1 + s5) + (s3 + s7)).
   */
  static float foldLaneSums(float[] s, int at) {
    return ((s[at] + s[at + 4]) + (s[at + 2] + s[at + 6])) + ((s[at + 1] + s[at + 5]) + (s[at + 3] + s[at + 7]));
  }
}
