package dev.backprop.tensor;

/**
 * Plain-Java {@link GemmKernel}: the fallback when the Vector API is not usable, and the second opinion the vector
 * kernel is compared with in the tests.
 *
 * <p>Every element is summed in the canonical order of {@link GemmKernel}, with {@link Math#fma} (an intrinsic
 * wherever the CPU has the instruction; elsewhere exact but slow). One loop nest serves all four layouts, strided
 * or row-offset operands alike: op(A) through its row starts and a column step, op(B) through a table of offsets by
 * p and one by j. It computes 4 x 4 tiles of C in 16 local accumulators, so each step over p loads 4 elements of
 * op(A) and 4 of op(B) for 16 multiply-adds; rows and columns left over past the tiles are single chains in the
 * same order.
 */
final class ScalarGemm implements GemmKernel {

  static final ScalarGemm INSTANCE = new ScalarGemm();
  /** {0, 1, 2, ...}: where column j of op(B) sits in a row of B, or element p in a row of B^T. */
  private static final StrideTable CONSECUTIVE = new StrideTable();
  /** {0, ldb, 2 ldb, ...}: the row starts of a strided B. */
  private static final StrideTable STRIDED = new StrideTable();

  private ScalarGemm() {}

  @Override
  public int fmaLanes() {
    return 1;
  }

  @Override
  public float fmaChains(long steps, float seed) {
    float m = 0.999999f;
    float add = seed * 1e-6f;
    float x0 = seed, x1 = seed + 1, x2 = seed + 2, x3 = seed + 3, x4 = seed + 4, x5 = seed + 5;
    float x6 = seed + 6, x7 = seed + 7, x8 = seed + 8, x9 = seed + 9, x10 = seed + 10, x11 = seed + 11;
    for (long s = 0; s < steps; s++) {
      x0 = Math.fma(x0, m, add);
      x1 = Math.fma(x1, m, add);
      x2 = Math.fma(x2, m, add);
      x3 = Math.fma(x3, m, add);
      x4 = Math.fma(x4, m, add);
      x5 = Math.fma(x5, m, add);
      x6 = Math.fma(x6, m, add);
      x7 = Math.fma(x7, m, add);
      x8 = Math.fma(x8, m, add);
      x9 = Math.fma(x9, m, add);
      x10 = Math.fma(x10, m, add);
      x11 = Math.fma(x11, m, add);
    }
    return x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10 + x11;
  }

  @Override
  public void gemm(boolean transA, boolean transB, int m, int n, int k, float[] a, int aOffset, int lda,
      int[] aRows, float[] b, int bOffset, int ldb, int[] bRows, float[] c, int cOffset, int ldc,
      boolean accumulate) {
    // Element (i, p) of op(A) is a[aStart(i) + p * aCol]; element (p, j) of op(B) is
    // b[bOffset + pOffsets[p] + jOffsets[j]].
    int aRow = transA ? 1 : lda;
    int aCol = transA ? lda : 1;
    int[] rowStarts = bRows != null ? bRows : STRIDED.of(transB ? n : k, ldb);
    int[] pOffsets = transB ? CONSECUTIVE.of(k, 1) : rowStarts;
    int[] jOffsets = transB ? rowStarts : CONSECUTIVE.of(n, 1);
    int i = 0;
    for (; i + 4 <= m; i += 4) {
      int a0 = aOffset + GemmKernel.rowStart(aRow, aRows, i);
      int a1 = aOffset + GemmKernel.rowStart(aRow, aRows, i + 1);
      int a2 = aOffset + GemmKernel.rowStart(aRow, aRows, i + 2);
      int a3 = aOffset + GemmKernel.rowStart(aRow, aRows, i + 3);
      int j = 0;
      for (; j + 4 <= n; j += 4) {
        tile4x4(k, a, a0, a1, a2, a3, aCol, b, pOffsets, bOffset + jOffsets[j], bOffset + jOffsets[j + 1],
            bOffset + jOffsets[j + 2], bOffset + jOffsets[j + 3], c, cOffset + i * ldc + j, ldc, accumulate);
      }
      for (; j < n; j++) {
        for (int r = i; r < i + 4; r++) {
          dot(k, a, aOffset + GemmKernel.rowStart(aRow, aRows, r), aCol, b, pOffsets, bOffset + jOffsets[j], c,
              cOffset + r * ldc + j, accumulate);
        }
      }
    }
    for (; i < m; i++) {
      for (int j = 0; j < n; j++) {
        dot(k, a, aOffset + GemmKernel.rowStart(aRow, aRows, i), aCol, b, pOffsets, bOffset + jOffsets[j], c,
            cOffset + i * ldc + j, accumulate);
      }
    }
  }

  /** C[ci] (+)= row of op(A) at ai (step aCol) times the column of op(B) at b[bj + pOffsets[p]]. */
  private static void dot(int k, float[] a, int ai, int aCol, float[] b, int[] pOffsets, int bj, float[] c, int ci,
      boolean acc) {
    float s = acc ? c[ci] : 0f;
    for (int p = 0; p < k; p++) {
      s = Math.fma(a[ai + p * aCol], b[bj + pOffsets[p]], s);
    }
    c[ci] = s;
  }

  /**
   * A 4 x 4 tile of C at c0: the rows of op(A) starting at a0..a3 (step aCol), the columns of op(B) at
   * b[bj0 + pOffsets[p]], ..., b[bj3 + pOffsets[p]].
   */
  private static void tile4x4(int k, float[] a, int a0, int a1, int a2, int a3, int aCol, float[] b,
      int[] pOffsets, int bj0, int bj1, int bj2, int bj3, float[] c, int c0, int ldc, boolean acc) {
    int c1 = c0 + ldc;
    int c2 = c1 + ldc;
    int c3 = c2 + ldc;
    float x00 = 0f, x01 = 0f, x02 = 0f, x03 = 0f, x10 = 0f, x11 = 0f, x12 = 0f, x13 = 0f;
    float x20 = 0f, x21 = 0f, x22 = 0f, x23 = 0f, x30 = 0f, x31 = 0f, x32 = 0f, x33 = 0f;
    if (acc) {
      x00 = c[c0];
      x01 = c[c0 + 1];
      x02 = c[c0 + 2];
      x03 = c[c0 + 3];
      x10 = c[c1];
      x11 = c[c1 + 1];
      x12 = c[c1 + 2];
      x13 = c[c1 + 3];
      x20 = c[c2];
      x21 = c[c2 + 1];
      x22 = c[c2 + 2];
      x23 = c[c2 + 3];
      x30 = c[c3];
      x31 = c[c3 + 1];
      x32 = c[c3 + 2];
      x33 = c[c3 + 3];
    }
    for (int p = 0; p < k; p++) {
      int q = p * aCol;
      int pb = pOffsets[p];
      float a0p = a[a0 + q];
      float a1p = a[a1 + q];
      float a2p = a[a2 + q];
      float a3p = a[a3 + q];
      float b0p = b[bj0 + pb];
      float b1p = b[bj1 + pb];
      float b2p = b[bj2 + pb];
      float b3p = b[bj3 + pb];
      x00 = Math.fma(a0p, b0p, x00);
      x01 = Math.fma(a0p, b1p, x01);
      x02 = Math.fma(a0p, b2p, x02);
      x03 = Math.fma(a0p, b3p, x03);
      x10 = Math.fma(a1p, b0p, x10);
      x11 = Math.fma(a1p, b1p, x11);
      x12 = Math.fma(a1p, b2p, x12);
      x13 = Math.fma(a1p, b3p, x13);
      x20 = Math.fma(a2p, b0p, x20);
      x21 = Math.fma(a2p, b1p, x21);
      x22 = Math.fma(a2p, b2p, x22);
      x23 = Math.fma(a2p, b3p, x23);
      x30 = Math.fma(a3p, b0p, x30);
      x31 = Math.fma(a3p, b1p, x31);
      x32 = Math.fma(a3p, b2p, x32);
      x33 = Math.fma(a3p, b3p, x33);
    }
    c[c0] = x00;
    c[c0 + 1] = x01;
    c[c0 + 2] = x02;
    c[c0 + 3] = x03;
    c[c1] = x10;
    c[c1 + 1] = x11;
    c[c1 + 2] = x12;
    c[c1 + 3] = x13;
    c[c2] = x20;
    c[c2 + 1] = x21;
    c[c2 + 2] = x22;
    c[c2 + 3] = x23;
    c[c3] = x30;
    c[c3 + 1] = x31;
    c[c3 + 2] = x32;
    c[c3 + 3] = x33;
  }
}
