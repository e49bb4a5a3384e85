package dev.backprop.tensor;

/**
 * Plain-Java {@link GemmKernel}: the fallback when the Vector API is not usable, and the reference the vector
 * kernel is compared with in the tests.
 *
 * <p>Every element is summed in one fixed order: the old value of C first (when accumulating), then the products
 * for p = 0, 1, ..., k-1, each rounded to float before it is added (Java never fuses {@code x * y + s}). When
 * op(B) has contiguous rows (B not transposed) the inner loop runs along a row of C and B, which HotSpot's
 * auto-vectorizer turns into SIMD code without changing that order; with B transposed the inner loop is a dot
 * product over p, four columns at a time.
 */
final class ScalarGemm implements GemmKernel {

  static final ScalarGemm INSTANCE = new ScalarGemm();

  private ScalarGemm() {}

  @Override
  public void gemm(boolean transA, boolean transB, int m, int n, int k, float[] a, int aOffset, int lda, float[] b,
      int bOffset, int ldb, float[] c, int cOffset, int ldc, boolean accumulate) {
    // Element (i, p) of op(A) is a[aOffset + i * aRow + p * aCol]; likewise for op(B).
    int aRow = transA ? 1 : lda;
    int aCol = transA ? lda : 1;
    if (!transB) {
      rowTimesMatrix(m, n, k, a, aOffset, aRow, aCol, b, bOffset, ldb, c, cOffset, ldc, accumulate);
    } else {
      dotProducts(m, n, k, a, aOffset, aRow, aCol, b, bOffset, ldb, c, cOffset, ldc, accumulate);
    }
  }

  /** op(B) = B: C[i, :] (+)= sum over p of A[i, p] * B[p, :], one row of C at a time. */
  private static void rowTimesMatrix(int m, int n, int k, float[] a, int aOffset, int aRow, int aCol, float[] b,
      int bOffset, int ldb, float[] c, int cOffset, int ldc, boolean accumulate) {
    for (int i = 0; i < m; i++) {
      int ci = cOffset + i * ldc;
      if (!accumulate) {
        for (int j = 0; j < n; j++) {
          c[ci + j] = 0f;
        }
      }
      int ai = aOffset + i * aRow;
      for (int p = 0; p < k; p++) {
        float aip = a[ai + p * aCol];
        int bp = bOffset + p * ldb;
        for (int j = 0; j < n; j++) {
          c[ci + j] += aip * b[bp + j];
        }
      }
    }
  }

  /** op(B) = B^T, B stored n x k: C[i, j] (+)= dot(row i of op(A), row j of B), four columns j at a time. */
  private static void dotProducts(int m, int n, int k, float[] a, int aOffset, int aRow, int aCol, float[] b,
      int bOffset, int ldb, float[] c, int cOffset, int ldc, boolean accumulate) {
    for (int i = 0; i < m; i++) {
      int ai = aOffset + i * aRow;
      int ci = cOffset + i * ldc;
      int j = 0;
      for (; j + 4 <= n; j += 4) {
        int b0 = bOffset + j * ldb;
        int b1 = b0 + ldb;
        int b2 = b1 + ldb;
        int b3 = b2 + ldb;
        float s0 = accumulate ? c[ci + j] : 0f;
        float s1 = accumulate ? c[ci + j + 1] : 0f;
        float s2 = accumulate ? c[ci + j + 2] : 0f;
        float s3 = accumulate ? c[ci + j + 3] : 0f;
        for (int p = 0; p < k; p++) {
          float aip = a[ai + p * aCol];
          s0 += aip * b[b0 + p];
          s1 += aip * b[b1 + p];
          s2 += aip * b[b2 + p];
          s3 += aip * b[b3 + p];
        }
        c[ci + j] = s0;
        c[ci + j + 1] = s1;
        c[ci + j + 2] = s2;
        c[ci + j + 3] = s3;
      }
      for (; j < n; j++) {
        int bj = bOffset + j * ldb;
        float s = accumulate ? c[ci + j] : 0f;
        for (int p = 0; p < k; p++) {
          s += a[ai + p * aCol] * b[bj + p];
        }
        c[ci + j] = s;
      }
    }
  }
}
