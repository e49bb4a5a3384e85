package dev.backprop.tensor;

import java.util.Arrays;

/**
 * General matrix multiply on row-major float arrays, BLAS-like. This is the plain scalar version the layers are
 * written against; a blocked and vectorised implementation with the same signature replaces it.
 */
public final class Gemm {
  private Gemm() {}

  /**
   * C[m×n] = op(A)[m×k] · op(B)[k×n], or C += that when {@code accumulate}. op(X) is X, or Xᵀ when the flag is
   * set. Each matrix is row-major with its row stride as stored: A is [m×k] (lda ≥ k) or, transposed, [k×m]
   * (lda ≥ m); B is [k×n] (ldb ≥ n) or, transposed, [n×k] (ldb ≥ k); C is [m×n] (ldc ≥ n).
   */
  public static void gemm(
      boolean transA,
      boolean transB,
      int m,
      int n,
      int k,
      float[] a,
      int aOffset,
      int lda,
      float[] b,
      int bOffset,
      int ldb,
      float[] c,
      int cOffset,
      int ldc,
      boolean accumulate) {
    if (!accumulate) {
      for (int i = 0; i < m; i++) {
        Arrays.fill(c, cOffset + i * ldc, cOffset + i * ldc + n, 0f);
      }
    }
    if (!transA && !transB) {
      // i-p-j: the inner loop runs along a row of B and a row of C.
      for (int i = 0; i < m; i++) {
        int ci = cOffset + i * ldc;
        for (int p = 0; p < k; p++) {
          float aip = a[aOffset + i * lda + p];
          int bp = bOffset + p * ldb;
          for (int j = 0; j < n; j++) {
            c[ci + j] += aip * b[bp + j];
          }
        }
      }
    } else if (!transA) {
      // A·Bᵀ: C[i][j] is the dot product of row i of A and row j of B.
      for (int i = 0; i < m; i++) {
        int ai = aOffset + i * lda;
        int ci = cOffset + i * ldc;
        for (int j = 0; j < n; j++) {
          int bj = bOffset + j * ldb;
          float sum = 0f;
          for (int p = 0; p < k; p++) {
            sum += a[ai + p] * b[bj + p];
          }
          c[ci + j] += sum;
        }
      }
    } else if (!transB) {
      // Aᵀ·B: rank-1 updates, row p of A (= column p of Aᵀ) times row p of B.
      for (int p = 0; p < k; p++) {
        int ap = aOffset + p * lda;
        int bp = bOffset + p * ldb;
        for (int i = 0; i < m; i++) {
          float api = a[ap + i];
          int ci = cOffset + i * ldc;
          for (int j = 0; j < n; j++) {
            c[ci + j] += api * b[bp + j];
          }
        }
      }
    } else {
      // Aᵀ·Bᵀ: rare; dot products with a strided walk down A.
      for (int i = 0; i < m; i++) {
        int ci = cOffset + i * ldc;
        for (int j = 0; j < n; j++) {
          int bj = bOffset + j * ldb;
          float sum = 0f;
          for (int p = 0; p < k; p++) {
            sum += a[aOffset + p * lda + i] * b[bj + p];
          }
          c[ci + j] += sum;
        }
      }
    }
  }
}
