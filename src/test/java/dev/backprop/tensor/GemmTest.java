package dev.backprop.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import org.junit.jupiter.api.Test;

/** Gemm against a double-precision triple loop, for every transpose combination, with offsets and padded strides. */
class GemmTest {

  @Test
  void allTransposeCombinationsWithOffsetsStridesAndAccumulate() {
    Rng rng = new Rng(11);
    int[][] sizes = {{1, 1, 1}, {3, 5, 7}, {8, 1, 9}, {1, 6, 4}, {17, 13, 31}, {5, 33, 2}};
    for (int[] s : sizes) {
      for (int t = 0; t < 4; t++) {
        for (boolean accumulate : new boolean[] {false, true}) {
          check(rng, t >= 2, (t & 1) == 1, s[0], s[1], s[2], accumulate);
        }
      }
    }
  }

  private static void check(Rng rng, boolean transA, boolean transB, int m, int n, int k, boolean accumulate) {
    // stored shapes: A is [m×k] or [k×m], B is [k×n] or [n×k]; leading dimensions padded by 3, offsets of 5
    int aRows = transA ? k : m;
    int aCols = transA ? m : k;
    int bRows = transB ? n : k;
    int bCols = transB ? k : n;
    int lda = aCols + 3;
    int ldb = bCols + 3;
    int ldc = n + 3;
    int off = 5;
    float[] a = random(rng, off + aRows * lda);
    float[] b = random(rng, off + bRows * ldb);
    float[] c = random(rng, off + m * ldc);
    float[] before = c.clone();
    Gemm.gemm(transA, transB, m, n, k, a, off, lda, b, off, ldb, c, off, ldc, accumulate);
    String what = "transA=%s transB=%s m=%d n=%d k=%d accumulate=%s".formatted(transA, transB, m, n, k, accumulate);
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double expected = accumulate ? before[off + i * ldc + j] : 0;
        for (int p = 0; p < k; p++) {
          double aip = transA ? a[off + p * lda + i] : a[off + i * lda + p];
          double bpj = transB ? b[off + j * ldb + p] : b[off + p * ldb + j];
          expected += aip * bpj;
        }
        assertThat((double) c[off + i * ldc + j]).as(what).isCloseTo(expected, offset(1e-5 * (1 + k)));
      }
      for (int j = n; j < ldc && off + i * ldc + j < c.length; j++) {
        assertThat(c[off + i * ldc + j]).as(what + ": padding column written").isEqualTo(before[off + i * ldc + j]);
      }
    }
    for (int i = 0; i < off; i++) {
      assertThat(c[i]).as(what + ": before the offset written").isEqualTo(before[i]);
    }
  }

  private static float[] random(Rng rng, int size) {
    float[] a = new float[size];
    rng.uniform(a, -1, 1);
    return a;
  }
}
