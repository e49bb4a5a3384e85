package dev.backprop.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link GemmKernel} on the incubating Vector API, for the small-m shapes of a CNN (m = 8..32 output channels or
 * kernel taps, k and n from 9 to a few thousand). No packing, no scratch memory: every operand is read in place.
 *
 * <ul>
 *   <li>B not transposed (NN, TN): outer products. A 4 x 3-vector tile of C (12 accumulators: 4 rows, 3L columns
 *       for L lanes) stays in registers while p runs over k; each step loads 3 vectors of row p of B, broadcasts 4
 *       elements of column p of op(A) and issues 12 fused multiply-adds. Rows past m repeat a valid row and are not
 *       stored; the last, partial strip of columns uses masked loads and stores. Strips of 3L columns are the outer
 *       loop, so a strip of B (k x 3L) stays in L1 while every row of A passes over it.
 *   <li>A not transposed, B transposed (NT, the weight gradient dW += dOut colT): dot products along p, which is
 *       contiguous in both operands. A tile of 4 rows of A by 3 rows of B keeps 12 vector partial sums, the tail of
 *       k is one masked step, and each partial sum is then folded by a fixed tree.
 *   <li>Both transposed: not needed by the layers; delegated to {@link ScalarGemm}.
 * </ul>
 *
 * <p>Summation order per element is fixed by the shapes alone: (old C, when accumulating) + products in p order
 * with one rounding per fused multiply-add for the outer-product kernels; L interleaved partial sums folded by a
 * fixed tree, then added to the old C, for the dot-product kernel. The order never depends on the JIT tier: no
 * {@code reduceLanes}, whose float order the API leaves open.
 */
final class PanamaGemm implements GemmKernel {

  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  private static final int L = S.length();
  /** Lane l moves to lane l - h (mod L) for h = L/2, L/4, ..., 1: the steps of the fixed folding tree. */
  private static final VectorShuffle<Float>[] FOLD = foldShuffles();

  PanamaGemm() {
    if (S.vectorBitSize() < 128) {
      throw new UnsupportedOperationException("preferred float vectors are " + S.vectorBitSize() + " bits");
    }
  }

  static String description() {
    return "FloatVector " + S.vectorBitSize() + "-bit (" + L + " lanes)";
  }

  @SuppressWarnings("unchecked")
  private static VectorShuffle<Float>[] foldShuffles() {
    int steps = Integer.numberOfTrailingZeros(L);
    VectorShuffle<Float>[] shuffles = new VectorShuffle[steps];
    for (int s = 0; s < steps; s++) {
      int h = L >> (s + 1);
      shuffles[s] = VectorShuffle.fromOp(S, l -> (l + h) % L);
    }
    return shuffles;
  }

  @Override
  public void gemm(boolean transA, boolean transB, int m, int n, int k, float[] a, int aOffset, int lda, float[] b,
      int bOffset, int ldb, float[] c, int cOffset, int ldc, boolean accumulate) {
    if (!transB) {
      // Element (i, p) of op(A) is a[aOffset + i * aRow + p * aCol].
      int aRow = transA ? 1 : lda;
      int aCol = transA ? lda : 1;
      outerProducts(m, n, k, a, aOffset, aRow, aCol, b, bOffset, ldb, c, cOffset, ldc, accumulate);
    } else if (!transA) {
      dotProducts(m, n, k, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc, accumulate);
    } else {
      ScalarGemm.INSTANCE.gemm(true, true, m, n, k, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc, accumulate);
    }
  }

  // ---- NN and TN: C[i, j..] += A[i, p] * B[p, j..] --------------------------------------------------------------

  private static void outerProducts(int m, int n, int k, float[] a, int aOffset, int aRow, int aCol, float[] b,
      int bOffset, int ldb, float[] c, int cOffset, int ldc, boolean acc) {
    int strip = 3 * L;
    int j = 0;
    for (; j + strip <= n; j += strip) {
      for (int i = 0; i < m; i += 4) {
        int rows = Math.min(4, m - i);
        int a0 = aOffset + i * aRow;
        int c0 = cOffset + i * ldc + j;
        block4x3(rows, k, a, a0, aRow, aCol, b, bOffset + j, ldb, c, c0, ldc, acc);
      }
    }
    if (j < n) {
      int rest = n - j;
      int vectors = (rest + L - 1) / L;
      VectorMask<Float> last = S.indexInRange((vectors - 1) * L, rest);
      for (int i = 0; i < m; i += 4) {
        int rows = Math.min(4, m - i);
        int a0 = aOffset + i * aRow;
        int c0 = cOffset + i * ldc + j;
        switch (vectors) {
          case 1 -> block4x1(rows, k, a, a0, aRow, aCol, b, bOffset + j, ldb, c, c0, ldc, acc, last);
          case 2 -> block4x2(rows, k, a, a0, aRow, aCol, b, bOffset + j, ldb, c, c0, ldc, acc, last);
          default -> block4x3m(rows, k, a, a0, aRow, aCol, b, bOffset + j, ldb, c, c0, ldc, acc, last);
        }
      }
    }
  }

  /**
   * Rows i0..i0+3 (A rows start at a0, a0 + aRow, ...; only the first {@code rows} are real, the others repeat
   * row i0) times columns j..j+3L of B (row p at pb + p * ldb) into C rows starting at c0, c0 + ldc, ...
   */
  private static void block4x3(int rows, int k, float[] a, int a0, int aRow, int aCol, float[] b, int pb, int ldb,
      float[] c, int c0, int ldc, boolean acc) {
    int a1 = rows > 1 ? a0 + aRow : a0;
    int a2 = rows > 2 ? a0 + 2 * aRow : a0;
    int a3 = rows > 3 ? a0 + 3 * aRow : a0;
    int c1 = rows > 1 ? c0 + ldc : c0;
    int c2 = rows > 2 ? c0 + 2 * ldc : c0;
    int c3 = rows > 3 ? c0 + 3 * ldc : c0;
    FloatVector x00, x01, x02, x10, x11, x12, x20, x21, x22, x30, x31, x32;
    if (acc) {
      x00 = FloatVector.fromArray(S, c, c0);
      x01 = FloatVector.fromArray(S, c, c0 + L);
      x02 = FloatVector.fromArray(S, c, c0 + 2 * L);
      x10 = FloatVector.fromArray(S, c, c1);
      x11 = FloatVector.fromArray(S, c, c1 + L);
      x12 = FloatVector.fromArray(S, c, c1 + 2 * L);
      x20 = FloatVector.fromArray(S, c, c2);
      x21 = FloatVector.fromArray(S, c, c2 + L);
      x22 = FloatVector.fromArray(S, c, c2 + 2 * L);
      x30 = FloatVector.fromArray(S, c, c3);
      x31 = FloatVector.fromArray(S, c, c3 + L);
      x32 = FloatVector.fromArray(S, c, c3 + 2 * L);
    } else {
      x00 = x01 = x02 = x10 = x11 = x12 = x20 = x21 = x22 = x30 = x31 = x32 = FloatVector.zero(S);
    }
    for (int p = 0; p < k; p++) {
      int q = p * aCol;
      FloatVector b0 = FloatVector.fromArray(S, b, pb);
      FloatVector b1 = FloatVector.fromArray(S, b, pb + L);
      FloatVector b2 = FloatVector.fromArray(S, b, pb + 2 * L);
      FloatVector av = FloatVector.broadcast(S, a[a0 + q]);
      x00 = av.fma(b0, x00);
      x01 = av.fma(b1, x01);
      x02 = av.fma(b2, x02);
      av = FloatVector.broadcast(S, a[a1 + q]);
      x10 = av.fma(b0, x10);
      x11 = av.fma(b1, x11);
      x12 = av.fma(b2, x12);
      av = FloatVector.broadcast(S, a[a2 + q]);
      x20 = av.fma(b0, x20);
      x21 = av.fma(b1, x21);
      x22 = av.fma(b2, x22);
      av = FloatVector.broadcast(S, a[a3 + q]);
      x30 = av.fma(b0, x30);
      x31 = av.fma(b1, x31);
      x32 = av.fma(b2, x32);
      pb += ldb;
    }
    if (rows > 3) {
      x30.intoArray(c, c3);
      x31.intoArray(c, c3 + L);
      x32.intoArray(c, c3 + 2 * L);
    }
    if (rows > 2) {
      x20.intoArray(c, c2);
      x21.intoArray(c, c2 + L);
      x22.intoArray(c, c2 + 2 * L);
    }
    if (rows > 1) {
      x10.intoArray(c, c1);
      x11.intoArray(c, c1 + L);
      x12.intoArray(c, c1 + 2 * L);
    }
    x00.intoArray(c, c0);
    x01.intoArray(c, c0 + L);
    x02.intoArray(c, c0 + 2 * L);
  }

  /** As {@link #block4x3} for the last strip of 2L + 1..3L columns; {@code last} masks the third vector. */
  private static void block4x3m(int rows, int k, float[] a, int a0, int aRow, int aCol, float[] b, int pb, int ldb,
      float[] c, int c0, int ldc, boolean acc, VectorMask<Float> last) {
    int a1 = rows > 1 ? a0 + aRow : a0;
    int a2 = rows > 2 ? a0 + 2 * aRow : a0;
    int a3 = rows > 3 ? a0 + 3 * aRow : a0;
    int c1 = rows > 1 ? c0 + ldc : c0;
    int c2 = rows > 2 ? c0 + 2 * ldc : c0;
    int c3 = rows > 3 ? c0 + 3 * ldc : c0;
    FloatVector x00, x01, x02, x10, x11, x12, x20, x21, x22, x30, x31, x32;
    if (acc) {
      x00 = FloatVector.fromArray(S, c, c0);
      x01 = FloatVector.fromArray(S, c, c0 + L);
      x02 = FloatVector.fromArray(S, c, c0 + 2 * L, last);
      x10 = FloatVector.fromArray(S, c, c1);
      x11 = FloatVector.fromArray(S, c, c1 + L);
      x12 = FloatVector.fromArray(S, c, c1 + 2 * L, last);
      x20 = FloatVector.fromArray(S, c, c2);
      x21 = FloatVector.fromArray(S, c, c2 + L);
      x22 = FloatVector.fromArray(S, c, c2 + 2 * L, last);
      x30 = FloatVector.fromArray(S, c, c3);
      x31 = FloatVector.fromArray(S, c, c3 + L);
      x32 = FloatVector.fromArray(S, c, c3 + 2 * L, last);
    } else {
      x00 = x01 = x02 = x10 = x11 = x12 = x20 = x21 = x22 = x30 = x31 = x32 = FloatVector.zero(S);
    }
    for (int p = 0; p < k; p++) {
      int q = p * aCol;
      FloatVector b0 = FloatVector.fromArray(S, b, pb);
      FloatVector b1 = FloatVector.fromArray(S, b, pb + L);
      FloatVector b2 = FloatVector.fromArray(S, b, pb + 2 * L, last);
      FloatVector av = FloatVector.broadcast(S, a[a0 + q]);
      x00 = av.fma(b0, x00);
      x01 = av.fma(b1, x01);
      x02 = av.fma(b2, x02);
      av = FloatVector.broadcast(S, a[a1 + q]);
      x10 = av.fma(b0, x10);
      x11 = av.fma(b1, x11);
      x12 = av.fma(b2, x12);
      av = FloatVector.broadcast(S, a[a2 + q]);
      x20 = av.fma(b0, x20);
      x21 = av.fma(b1, x21);
      x22 = av.fma(b2, x22);
      av = FloatVector.broadcast(S, a[a3 + q]);
      x30 = av.fma(b0, x30);
      x31 = av.fma(b1, x31);
      x32 = av.fma(b2, x32);
      pb += ldb;
    }
    if (rows > 3) {
      x30.intoArray(c, c3);
      x31.intoArray(c, c3 + L);
      x32.intoArray(c, c3 + 2 * L, last);
    }
    if (rows > 2) {
      x20.intoArray(c, c2);
      x21.intoArray(c, c2 + L);
      x22.intoArray(c, c2 + 2 * L, last);
    }
    if (rows > 1) {
      x10.intoArray(c, c1);
      x11.intoArray(c, c1 + L);
      x12.intoArray(c, c1 + 2 * L, last);
    }
    x00.intoArray(c, c0);
    x01.intoArray(c, c0 + L);
    x02.intoArray(c, c0 + 2 * L, last);
  }

  /** As {@link #block4x3} for the last strip of L + 1..2L columns; {@code last} masks the second vector. */
  private static void block4x2(int rows, int k, float[] a, int a0, int aRow, int aCol, float[] b, int pb, int ldb,
      float[] c, int c0, int ldc, boolean acc, VectorMask<Float> last) {
    int a1 = rows > 1 ? a0 + aRow : a0;
    int a2 = rows > 2 ? a0 + 2 * aRow : a0;
    int a3 = rows > 3 ? a0 + 3 * aRow : a0;
    int c1 = rows > 1 ? c0 + ldc : c0;
    int c2 = rows > 2 ? c0 + 2 * ldc : c0;
    int c3 = rows > 3 ? c0 + 3 * ldc : c0;
    FloatVector x00, x01, x10, x11, x20, x21, x30, x31;
    if (acc) {
      x00 = FloatVector.fromArray(S, c, c0);
      x01 = FloatVector.fromArray(S, c, c0 + L, last);
      x10 = FloatVector.fromArray(S, c, c1);
      x11 = FloatVector.fromArray(S, c, c1 + L, last);
      x20 = FloatVector.fromArray(S, c, c2);
      x21 = FloatVector.fromArray(S, c, c2 + L, last);
      x30 = FloatVector.fromArray(S, c, c3);
      x31 = FloatVector.fromArray(S, c, c3 + L, last);
    } else {
      x00 = x01 = x10 = x11 = x20 = x21 = x30 = x31 = FloatVector.zero(S);
    }
    for (int p = 0; p < k; p++) {
      int q = p * aCol;
      FloatVector b0 = FloatVector.fromArray(S, b, pb);
      FloatVector b1 = FloatVector.fromArray(S, b, pb + L, last);
      FloatVector av = FloatVector.broadcast(S, a[a0 + q]);
      x00 = av.fma(b0, x00);
      x01 = av.fma(b1, x01);
      av = FloatVector.broadcast(S, a[a1 + q]);
      x10 = av.fma(b0, x10);
      x11 = av.fma(b1, x11);
      av = FloatVector.broadcast(S, a[a2 + q]);
      x20 = av.fma(b0, x20);
      x21 = av.fma(b1, x21);
      av = FloatVector.broadcast(S, a[a3 + q]);
      x30 = av.fma(b0, x30);
      x31 = av.fma(b1, x31);
      pb += ldb;
    }
    if (rows > 3) {
      x30.intoArray(c, c3);
      x31.intoArray(c, c3 + L, last);
    }
    if (rows > 2) {
      x20.intoArray(c, c2);
      x21.intoArray(c, c2 + L, last);
    }
    if (rows > 1) {
      x10.intoArray(c, c1);
      x11.intoArray(c, c1 + L, last);
    }
    x00.intoArray(c, c0);
    x01.intoArray(c, c0 + L, last);
  }

  /** As {@link #block4x3} for the last strip of 1..L columns; {@code last} masks the one vector. */
  private static void block4x1(int rows, int k, float[] a, int a0, int aRow, int aCol, float[] b, int pb, int ldb,
      float[] c, int c0, int ldc, boolean acc, VectorMask<Float> last) {
    int a1 = rows > 1 ? a0 + aRow : a0;
    int a2 = rows > 2 ? a0 + 2 * aRow : a0;
    int a3 = rows > 3 ? a0 + 3 * aRow : a0;
    int c1 = rows > 1 ? c0 + ldc : c0;
    int c2 = rows > 2 ? c0 + 2 * ldc : c0;
    int c3 = rows > 3 ? c0 + 3 * ldc : c0;
    FloatVector x0, x1, x2, x3;
    if (acc) {
      x0 = FloatVector.fromArray(S, c, c0, last);
      x1 = FloatVector.fromArray(S, c, c1, last);
      x2 = FloatVector.fromArray(S, c, c2, last);
      x3 = FloatVector.fromArray(S, c, c3, last);
    } else {
      x0 = x1 = x2 = x3 = FloatVector.zero(S);
    }
    for (int p = 0; p < k; p++) {
      int q = p * aCol;
      FloatVector b0 = FloatVector.fromArray(S, b, pb, last);
      x0 = FloatVector.broadcast(S, a[a0 + q]).fma(b0, x0);
      x1 = FloatVector.broadcast(S, a[a1 + q]).fma(b0, x1);
      x2 = FloatVector.broadcast(S, a[a2 + q]).fma(b0, x2);
      x3 = FloatVector.broadcast(S, a[a3 + q]).fma(b0, x3);
      pb += ldb;
    }
    if (rows > 3) {
      x3.intoArray(c, c3, last);
    }
    if (rows > 2) {
      x2.intoArray(c, c2, last);
    }
    if (rows > 1) {
      x1.intoArray(c, c1, last);
    }
    x0.intoArray(c, c0, last);
  }

  // ---- NT: C[i, j] += dot(A[i, :], B[j, :]) ---------------------------------------------------------------------

  private static void dotProducts(int m, int n, int k, float[] a, int aOffset, int lda, float[] b, int bOffset,
      int ldb, float[] c, int cOffset, int ldc, boolean acc) {
    int kv = S.loopBound(k);
    VectorMask<Float> tail = S.indexInRange(kv, k);
    for (int j = 0; j < n; j += 3) {
      int cols = Math.min(3, n - j);
      for (int i = 0; i < m; i += 4) {
        int rows = Math.min(4, m - i);
        dot4x3(rows, cols, k, kv, tail, a, aOffset + i * lda, lda, b, bOffset + j * ldb, ldb, c,
            cOffset + i * ldc + j, ldc, acc);
      }
    }
  }

  /**
   * C[i0 + r, j0 + s] for r < rows, s < cols: rows of A start at a0 + r * lda, rows of B at b0 + s * ldb. Missing
   * rows and columns repeat the first one and are not stored.
   */
  private static void dot4x3(int rows, int cols, int k, int kv, VectorMask<Float> tail, float[] a, int a0, int lda,
      float[] b, int b0, int ldb, float[] c, int c0, int ldc, boolean acc) {
    int a1 = rows > 1 ? a0 + lda : a0;
    int a2 = rows > 2 ? a0 + 2 * lda : a0;
    int a3 = rows > 3 ? a0 + 3 * lda : a0;
    int b1 = cols > 1 ? b0 + ldb : b0;
    int b2 = cols > 2 ? b0 + 2 * ldb : b0;
    FloatVector s00, s01, s02, s10, s11, s12, s20, s21, s22, s30, s31, s32;
    s00 = s01 = s02 = s10 = s11 = s12 = s20 = s21 = s22 = s30 = s31 = s32 = FloatVector.zero(S);
    for (int p = 0; p < kv; p += L) {
      FloatVector v0 = FloatVector.fromArray(S, b, b0 + p);
      FloatVector v1 = FloatVector.fromArray(S, b, b1 + p);
      FloatVector v2 = FloatVector.fromArray(S, b, b2 + p);
      FloatVector u = FloatVector.fromArray(S, a, a0 + p);
      s00 = u.fma(v0, s00);
      s01 = u.fma(v1, s01);
      s02 = u.fma(v2, s02);
      u = FloatVector.fromArray(S, a, a1 + p);
      s10 = u.fma(v0, s10);
      s11 = u.fma(v1, s11);
      s12 = u.fma(v2, s12);
      u = FloatVector.fromArray(S, a, a2 + p);
      s20 = u.fma(v0, s20);
      s21 = u.fma(v1, s21);
      s22 = u.fma(v2, s22);
      u = FloatVector.fromArray(S, a, a3 + p);
      s30 = u.fma(v0, s30);
      s31 = u.fma(v1, s31);
      s32 = u.fma(v2, s32);
    }
    if (kv < k) {
      FloatVector v0 = FloatVector.fromArray(S, b, b0 + kv, tail);
      FloatVector v1 = FloatVector.fromArray(S, b, b1 + kv, tail);
      FloatVector v2 = FloatVector.fromArray(S, b, b2 + kv, tail);
      FloatVector u = FloatVector.fromArray(S, a, a0 + kv, tail);
      s00 = u.fma(v0, s00);
      s01 = u.fma(v1, s01);
      s02 = u.fma(v2, s02);
      u = FloatVector.fromArray(S, a, a1 + kv, tail);
      s10 = u.fma(v0, s10);
      s11 = u.fma(v1, s11);
      s12 = u.fma(v2, s12);
      u = FloatVector.fromArray(S, a, a2 + kv, tail);
      s20 = u.fma(v0, s20);
      s21 = u.fma(v1, s21);
      s22 = u.fma(v2, s22);
      u = FloatVector.fromArray(S, a, a3 + kv, tail);
      s30 = u.fma(v0, s30);
      s31 = u.fma(v1, s31);
      s32 = u.fma(v2, s32);
    }
    int c1 = rows > 1 ? c0 + ldc : c0;
    int c2 = rows > 2 ? c0 + 2 * ldc : c0;
    int c3 = rows > 3 ? c0 + 3 * ldc : c0;
    if (rows > 3) {
      storeRow(c, c3, cols, acc, s30, s31, s32);
    }
    if (rows > 2) {
      storeRow(c, c2, cols, acc, s20, s21, s22);
    }
    if (rows > 1) {
      storeRow(c, c1, cols, acc, s10, s11, s12);
    }
    storeRow(c, c0, cols, acc, s00, s01, s02);
  }

  private static void storeRow(float[] c, int ci, int cols, boolean acc, FloatVector s0, FloatVector s1,
      FloatVector s2) {
    if (cols > 2) {
      c[ci + 2] = acc ? c[ci + 2] + fold(s2) : fold(s2);
    }
    if (cols > 1) {
      c[ci + 1] = acc ? c[ci + 1] + fold(s1) : fold(s1);
    }
    c[ci] = acc ? c[ci] + fold(s0) : fold(s0);
  }

  /** Sum of the lanes by a fixed tree: lane l + L/2 onto lane l, then L/4, ..., 1; lane 0 holds the total. */
  private static float fold(FloatVector v) {
    for (VectorShuffle<Float> shuffle : FOLD) {
      v = v.add(v.rearrange(shuffle));
    }
    return v.lane(0);
  }
}
