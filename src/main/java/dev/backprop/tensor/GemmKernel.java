package dev.backprop.tensor;

/**
 * One implementation of {@link Gemm}'s products. Stored row r of B (k x n when {@code transB} is false, n x k when
 * it is true) starts at {@code b[bOffset + rowStart(ldb, bRows, r)]}: at {@code r * ldb} when {@code bRows} is
 * null ({@link Gemm#gemm}), otherwise at the offset the table gives (the row-offset products, whose rows may
 * overlap). Likewise stored row i of A (m x k, only when {@code transA} is false) starts at
 * {@code a[aOffset + rowStart(lda, aRows, i)]}. The kernels test for a table inside their loops, where C2 moves
 * the invariant test out and keeps a strided loop whose bounds checks it can hoist, so the strided products do not
 * pay for the table's loads. {@link Gemm} has already checked the arguments: m, n, k are at least 1, a table has an
 * entry for every row, every element the product reads or writes lies inside its array, and c does not overlap a
 * or b. Implementations are stateless apart from per-thread scratch, so one instance serves every thread.
 *
 * <p><b>The canonical order.</b> Every implementation computes every element of C with the same float operations
 * in the same order, so that the bits depend on neither the kernel, the layout, the vector width, the element's
 * position nor the thread. With c0 the old C[i, j] when accumulating and +0 otherwise, and fma a fused
 * multiply-add (one rounding):
 *
 * <pre>
 *   C[i, j] = fma(op(A)[i, k-1], op(B)[k-1, j], ... fma(op(A)[i, 1], op(B)[1, j], fma(op(A)[i, 0], op(B)[0, j], c0)))
 * </pre>
 *
 * one chain in p order, for every layout and length. A product padded with zero columns of A (or rows of B) gets
 * the same bits, as long as the other operand is finite there: fma(0, x, s) = s for every partial sum s, which is
 * never -0 (it starts at +0 or at an old C that is not -0, and a sum of two floats is -0 only when both are). So a
 * sum over a batch that continues one chain product after product (accumulating) gets the bits of one long product.
 */
interface GemmKernel {

  void gemm(boolean transA, boolean transB, int m, int n, int k, float[] a, int aOffset, int lda, int[] aRows,
      float[] b, int bOffset, int ldb, int[] bRows, float[] c, int cOffset, int ldc, boolean accumulate);

  /**
   * The FMA peak probe: {@link #FMA_CHAINS} independent chains of {@code steps} fused multiply-adds each, on this
   * kernel's widest vectors (or on floats for the scalar kernel), with nothing to load or store, so that only the
   * FMA units' throughput limits it. Returns a value that depends on every chain (so the JIT keeps them all).
   */
  float fmaChains(long steps, float seed);

  /** The vector width {@link #fmaChains} runs at, in floats (1 for the scalar kernel). */
  int fmaLanes();

  /**
   * Independent chains in {@link #fmaChains}: enough to cover the FMA latency on every unit of current x86 and Arm
   * cores (4 cycles x 2 units needs 8), few enough for 16 vector registers (AVX2) with the two operands.
   */
  int FMA_CHAINS = 12;

  /** Where stored row r of a matrix starts, relative to its offset: r * ld, or the table's entry. */
  static int rowStart(int ld, int[] rows, int r) {
    return rows == null ? r * ld : rows[r];
  }
}
