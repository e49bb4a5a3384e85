package dev.backprop.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link GemmKernel} on the incubating Vector API, for the small shapes of a CNN (m = 8..288 output channels or
 * kernel taps, n = 8..32 output channels or 48 to a few thousand columns, k from 9 to a few thousand). Every
 * product is a sum of outer products: a tile of C stays in vector registers while p runs over k, and each step
 * loads whole vectors of row p of B, broadcasts one element of column p of op(A) per tile row and issues one
 * fused multiply-add per accumulator, so every lane of every accumulator is the canonical fma chain of its element
 * of C at any vector width L. No dot products, no lane folds, no {@code reduceLanes}.
 *
 * <ul>
 *   <li>Wide products (n &gt; 2L): strips of 3L columns are the outer loop, so a strip of B (k x 3L) stays in cache
 *       while every row of A passes over it; a tile is 4 rows x 3 vectors (12 accumulators, 3 loads and 4
 *       broadcasts per 12 multiply-adds). The last, partial strip uses masked loads and stores.
 *   <li>Narrow products (n = L or 2L: the weight gradients dW^T = windows dOut^T, n = output channels): tiles of 8
 *       rows x 1 vector or 4 rows x 2, 8 accumulators (with 12, C1 gave up on the method: see
 *       {@link #narrowProducts}). Other n up to 3L take the last-strip tiles of 4 rows.
 *   <li>Rows past m in a tile repeat a valid row and are not stored. A's rows start at multiples of lda or where a
 *       table says, and so do B's (see {@link GemmKernel}): the same kernels serve strided operands and the
 *       row-offset products, whose rows are overlapping windows of one plane.
 *   <li>B transposed (NT): B^T is copied (k x n) into a per-thread buffer and goes through the same kernels. Both
 *       transposed: not needed by the layers; delegated to {@link ScalarGemm}.
 * </ul>
 *
 * <p>The tiles are written out by hand, one method each: C2 keeps a method's vectors in registers only while every
 * Vector API call in it is inlined, and a loop over an array of accumulators, or a tile passed between methods,
 * would box each vector.
 */
final class PanamaGemm implements GemmKernel {

  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  private static final int L = S.length();
  /** Row starts p * ldb of a strided B: every tile reads B's rows through a table (see {@link #gemm}). */
  private static final StrideTable STRIDED = new StrideTable();
  /** B^T for NT products; grows to the largest k x n seen. */
  private static final ThreadLocal<float[][]> TRANSPOSED = ThreadLocal.withInitial(() -> new float[1][0]);

  PanamaGemm() {
    if (S.vectorBitSize() < 128) {
      throw new UnsupportedOperationException("preferred float vectors are " + S.vectorBitSize() + " bits");
    }
  }

  static String description() {
    return "FloatVector " + S.vectorBitSize() + "-bit (" + L + " lanes)";
  }

  @Override
  public void gemm(boolean transA, boolean transB, int m, int n, int k, float[] a, int aOffset, int lda,
      int[] aRows, float[] b, int bOffset, int ldb, int[] bRows, float[] c, int cOffset, int ldc,
      boolean accumulate) {
    // Element (i, p) of op(A) is a[aOffset + rowStart(aRow, aRows, i) + p * aCol]. B's rows always come through a
    // table, a strided B's through one of its row starts: with a test for the table in the tiles' loops, C2 compiled
    // them for the layout of the calls it had seen first, and the layers' products, seen together, then ran up to
    // a third slower than each alone.
    int aRow = transA ? 1 : lda;
    int aCol = transA ? lda : 1;
    if (!transB) {
      int[] rows = bRows != null ? bRows : STRIDED.of(k, ldb);
      outerProducts(m, n, k, a, aOffset, aRow, aCol, aRows, b, bOffset, rows, c, cOffset, ldc, accumulate);
    } else if (!transA) {
      float[] bt = transposed(k, n, b, bOffset, ldb, bRows);
      outerProducts(m, n, k, a, aOffset, aRow, aCol, aRows, bt, 0, STRIDED.of(k, n), c, cOffset, ldc, accumulate);
    } else {
      ScalarGemm.INSTANCE.gemm(true, true, m, n, k, a, aOffset, lda, aRows, b, bOffset, ldb, bRows, c, cOffset, ldc,
          accumulate);
    }
  }

  @Override
  public int fmaLanes() {
    return L;
  }

  @Override
  public float fmaChains(long steps, float seed) {
    // x' = x·m + a with m just below 1 and a tiny: the values stay finite and normal for any number of steps.
    FloatVector m = FloatVector.broadcast(S, 0.999999f);
    FloatVector add = FloatVector.broadcast(S, seed * 1e-6f);
    FloatVector x0 = FloatVector.broadcast(S, seed), x1 = x0.add(1f), x2 = x0.add(2f), x3 = x0.add(3f);
    FloatVector x4 = x0.add(4f), x5 = x0.add(5f), x6 = x0.add(6f), x7 = x0.add(7f);
    FloatVector x8 = x0.add(8f), x9 = x0.add(9f), x10 = x0.add(10f), x11 = x0.add(11f);
    for (long s = 0; s < steps; s++) {
      x0 = x0.fma(m, add);
      x1 = x1.fma(m, add);
      x2 = x2.fma(m, add);
      x3 = x3.fma(m, add);
      x4 = x4.fma(m, add);
      x5 = x5.fma(m, add);
      x6 = x6.fma(m, add);
      x7 = x7.fma(m, add);
      x8 = x8.fma(m, add);
      x9 = x9.fma(m, add);
      x10 = x10.fma(m, add);
      x11 = x11.fma(m, add);
    }
    FloatVector all = x0.add(x1).add(x2).add(x3).add(x4).add(x5).add(x6).add(x7).add(x8).add(x9).add(x10).add(x11);
    return all.lane(0);
  }

  /** B^T of the n x k matrix B, as a k x n row-major matrix in this thread's scratch buffer. */
  private static float[] transposed(int k, int n, float[] b, int bOffset, int ldb, int[] bRows) {
    float[][] holder = TRANSPOSED.get();
    if (holder[0].length < k * n) {
      holder[0] = new float[k * n];
    }
    float[] bt = holder[0];
    // Blocks of 16 columns: reads run along 16 rows of B, writes fill whole cache lines of B^T.
    for (int j0 = 0; j0 < n; j0 += 16) {
      int j1 = Math.min(n, j0 + 16);
      for (int p = 0; p < k; p++) {
        int row = p * n;
        for (int j = j0; j < j1; j++) {
          bt[row + j] = b[bOffset + GemmKernel.rowStart(ldb, bRows, j) + p];
        }
      }
    }
    return bt;
  }

  private static void outerProducts(int m, int n, int k, float[] a, int aOffset, int aRow, int aCol, int[] aRows,
      float[] b, int bOffset, int[] bRows, float[] c, int cOffset, int ldc, boolean acc) {
    if (n == L || n == 2 * L) {
      narrowProducts(m, n, k, a, aOffset, aRow, aCol, aRows, b, bOffset, bRows, c, cOffset, ldc, acc);
      return;
    }
    int strip = 3 * L;
    int j = 0;
    for (; j + strip <= n; j += strip) {
      for (int i = 0; i < m; i += 4) {
        block4x3(Math.min(4, m - i), k, a, aOffset, aRow, aCol, aRows, i, b, bOffset + j, bRows, c,
            cOffset + i * ldc + j, ldc, acc);
      }
    }
    if (j < n) {
      lastStrip(m, n - j, k, a, aOffset, aRow, aCol, aRows, b, bOffset + j, bRows, c, cOffset + j, ldc, acc);
    }
  }

  /**
   * The last {@code columns} (1..3L - 1) columns of {@link #outerProducts}, from bj in B's rows and cj in C's.
   * A method of its own so that outerProducts stays small enough for C2 to inline it into its caller.
   */
  private static void lastStrip(int m, int columns, int k, float[] a, int aOffset, int aRow, int aCol, int[] aRows,
      float[] b, int bj, int[] bRows, float[] c, int cj, int ldc, boolean acc) {
    int vectors = (columns + L - 1) / L;
    // The valid lanes of the last vector, 1..L. The callees make the mask themselves: a mask passed in (boxed,
    // since they are not inlined) made C2 drop the masked-load intrinsics in some compilations, seen when the
    // caller was compiled on-stack-replaced (TN 288x9x32: 10 instead of 23 GFLOP/s).
    int lanes = columns - (vectors - 1) * L;
    for (int i = 0; i < m; i += 4) {
      int rows = Math.min(4, m - i);
      int c0 = cj + i * ldc;
      switch (vectors) {
        case 1 -> block4x1(rows, k, a, aOffset, aRow, aCol, aRows, i, b, bj, bRows, c, c0, ldc, acc, lanes);
        case 2 -> block4x2(rows, k, a, aOffset, aRow, aCol, aRows, i, b, bj, bRows, c, c0, ldc, acc, lanes);
        default -> block4x3m(rows, k, a, aOffset, aRow, aCol, aRows, i, b, bj, bRows, c, c0, ldc, acc, lanes);
      }
    }
  }

  /**
   * All of a product with n = L or 2L columns, in tiles of 8 rows x 1 vector or 4 rows x 2 vectors. Without masks:
   * C1, which runs a kernel until C2 has compiled it, inlines the Vector API's Java code for every masked load and
   * store, and gave up on masked tiles of this size ("out of virtual registers"); C2 then took more than 30 s to
   * get to them.
   */
  private static void narrowProducts(int m, int n, int k, float[] a, int aOffset, int aRow, int aCol, int[] aRows,
      float[] b, int bOffset, int[] bRows, float[] c, int cOffset, int ldc, boolean acc) {
    if (n == L) {
      for (int i = 0; i < m; i += 8) {
        narrow8x1(Math.min(8, m - i), k, a, aOffset, aRow, aCol, aRows, i, b, bOffset, bRows, c,
            cOffset + i * ldc, ldc, acc);
      }
    } else {
      for (int i = 0; i < m; i += 4) {
        narrow4x2(Math.min(4, m - i), k, a, aOffset, aRow, aCol, aRows, i, b, bOffset, bRows, c,
            cOffset + i * ldc, ldc, acc);
      }
    }
  }

  /**
   * Rows i..i+3 of op(A) (only the first {@code rows} are real: the others repeat row i and are not stored) times
   * columns bj..bj+3L of B into C rows from c0.
   */
  private static void block4x3(int rows, int k, float[] a, int aOffset, int aRow, int aCol, int[] aRows, int i,
      float[] b, int bj, int[] bRows, float[] c, int c0, int ldc, boolean acc) {
    int a0 = aOffset + GemmKernel.rowStart(aRow, aRows, i);
    int a1 = rows > 1 ? aOffset + GemmKernel.rowStart(aRow, aRows, i + 1) : a0;
    int a2 = rows > 2 ? aOffset + GemmKernel.rowStart(aRow, aRows, i + 2) : a0;
    int a3 = rows > 3 ? aOffset + GemmKernel.rowStart(aRow, aRows, i + 3) : a0;
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
      int pb = bj + bRows[p];
      FloatVector b0 = FloatVector.fromArray(S, b, pb);
      FloatVector b1 = FloatVector.fromArray(S, b, pb + L);
      FloatVector b2 = FloatVector.fromArray(S, b, pb + 2 * L);
      FloatVector a0v = FloatVector.broadcast(S, a[a0 + q]);
      x00 = a0v.fma(b0, x00);
      x01 = a0v.fma(b1, x01);
      x02 = a0v.fma(b2, x02);
      FloatVector a1v = FloatVector.broadcast(S, a[a1 + q]);
      x10 = a1v.fma(b0, x10);
      x11 = a1v.fma(b1, x11);
      x12 = a1v.fma(b2, x12);
      FloatVector a2v = FloatVector.broadcast(S, a[a2 + q]);
      x20 = a2v.fma(b0, x20);
      x21 = a2v.fma(b1, x21);
      x22 = a2v.fma(b2, x22);
      FloatVector a3v = FloatVector.broadcast(S, a[a3 + q]);
      x30 = a3v.fma(b0, x30);
      x31 = a3v.fma(b1, x31);
      x32 = a3v.fma(b2, x32);
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

  /** As {@link #block4x3} for the last strip of 2L + 1..3L columns; the third vector has {@code lanes} valid lanes. */
  private static void block4x3m(int rows, int k, float[] a, int aOffset, int aRow, int aCol, int[] aRows, int i,
      float[] b, int bj, int[] bRows, float[] c, int c0, int ldc, boolean acc, int lanes) {
    VectorMask<Float> last = S.indexInRange(0, lanes);
    int a0 = aOffset + GemmKernel.rowStart(aRow, aRows, i);
    int a1 = rows > 1 ? aOffset + GemmKernel.rowStart(aRow, aRows, i + 1) : a0;
    int a2 = rows > 2 ? aOffset + GemmKernel.rowStart(aRow, aRows, i + 2) : a0;
    int a3 = rows > 3 ? aOffset + GemmKernel.rowStart(aRow, aRows, i + 3) : a0;
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
      int pb = bj + bRows[p];
      FloatVector b0 = FloatVector.fromArray(S, b, pb);
      FloatVector b1 = FloatVector.fromArray(S, b, pb + L);
      FloatVector b2 = FloatVector.fromArray(S, b, pb + 2 * L, last);
      FloatVector a0v = FloatVector.broadcast(S, a[a0 + q]);
      x00 = a0v.fma(b0, x00);
      x01 = a0v.fma(b1, x01);
      x02 = a0v.fma(b2, x02);
      FloatVector a1v = FloatVector.broadcast(S, a[a1 + q]);
      x10 = a1v.fma(b0, x10);
      x11 = a1v.fma(b1, x11);
      x12 = a1v.fma(b2, x12);
      FloatVector a2v = FloatVector.broadcast(S, a[a2 + q]);
      x20 = a2v.fma(b0, x20);
      x21 = a2v.fma(b1, x21);
      x22 = a2v.fma(b2, x22);
      FloatVector a3v = FloatVector.broadcast(S, a[a3 + q]);
      x30 = a3v.fma(b0, x30);
      x31 = a3v.fma(b1, x31);
      x32 = a3v.fma(b2, x32);
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

  /** As {@link #block4x3} for the last strip of L + 1..2L columns; the second vector has {@code lanes} valid lanes. */
  private static void block4x2(int rows, int k, float[] a, int aOffset, int aRow, int aCol, int[] aRows, int i,
      float[] b, int bj, int[] bRows, float[] c, int c0, int ldc, boolean acc, int lanes) {
    VectorMask<Float> last = S.indexInRange(0, lanes);
    int a0 = aOffset + GemmKernel.rowStart(aRow, aRows, i);
    int a1 = rows > 1 ? aOffset + GemmKernel.rowStart(aRow, aRows, i + 1) : a0;
    int a2 = rows > 2 ? aOffset + GemmKernel.rowStart(aRow, aRows, i + 2) : a0;
    int a3 = rows > 3 ? aOffset + GemmKernel.rowStart(aRow, aRows, i + 3) : a0;
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
      int pb = bj + bRows[p];
      FloatVector b0 = FloatVector.fromArray(S, b, pb);
      FloatVector b1 = FloatVector.fromArray(S, b, pb + L, last);
      FloatVector a0v = FloatVector.broadcast(S, a[a0 + q]);
      x00 = a0v.fma(b0, x00);
      x01 = a0v.fma(b1, x01);
      FloatVector a1v = FloatVector.broadcast(S, a[a1 + q]);
      x10 = a1v.fma(b0, x10);
      x11 = a1v.fma(b1, x11);
      FloatVector a2v = FloatVector.broadcast(S, a[a2 + q]);
      x20 = a2v.fma(b0, x20);
      x21 = a2v.fma(b1, x21);
      FloatVector a3v = FloatVector.broadcast(S, a[a3 + q]);
      x30 = a3v.fma(b0, x30);
      x31 = a3v.fma(b1, x31);
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

  /** As {@link #block4x3} for the last strip of 1..L columns; the one vector has {@code lanes} valid lanes. */
  private static void block4x1(int rows, int k, float[] a, int aOffset, int aRow, int aCol, int[] aRows, int i,
      float[] b, int bj, int[] bRows, float[] c, int c0, int ldc, boolean acc, int lanes) {
    VectorMask<Float> last = S.indexInRange(0, lanes);
    int a0 = aOffset + GemmKernel.rowStart(aRow, aRows, i);
    int a1 = rows > 1 ? aOffset + GemmKernel.rowStart(aRow, aRows, i + 1) : a0;
    int a2 = rows > 2 ? aOffset + GemmKernel.rowStart(aRow, aRows, i + 2) : a0;
    int a3 = rows > 3 ? aOffset + GemmKernel.rowStart(aRow, aRows, i + 3) : a0;
    int c1 = rows > 1 ? c0 + ldc : c0;
    int c2 = rows > 2 ? c0 + 2 * ldc : c0;
    int c3 = rows > 3 ? c0 + 3 * ldc : c0;
    FloatVector x00, x10, x20, x30;
    if (acc) {
      x00 = FloatVector.fromArray(S, c, c0, last);
      x10 = FloatVector.fromArray(S, c, c1, last);
      x20 = FloatVector.fromArray(S, c, c2, last);
      x30 = FloatVector.fromArray(S, c, c3, last);
    } else {
      x00 = x10 = x20 = x30 = FloatVector.zero(S);
    }
    for (int p = 0; p < k; p++) {
      int q = p * aCol;
      int pb = bj + bRows[p];
      FloatVector b0 = FloatVector.fromArray(S, b, pb, last);
      FloatVector a0v = FloatVector.broadcast(S, a[a0 + q]);
      x00 = a0v.fma(b0, x00);
      FloatVector a1v = FloatVector.broadcast(S, a[a1 + q]);
      x10 = a1v.fma(b0, x10);
      FloatVector a2v = FloatVector.broadcast(S, a[a2 + q]);
      x20 = a2v.fma(b0, x20);
      FloatVector a3v = FloatVector.broadcast(S, a[a3 + q]);
      x30 = a3v.fma(b0, x30);
    }
    if (rows > 3) {
      x30.intoArray(c, c3, last);
    }
    if (rows > 2) {
      x20.intoArray(c, c2, last);
    }
    if (rows > 1) {
      x10.intoArray(c, c1, last);
    }
    x00.intoArray(c, c0, last);
  }

  /** A narrow product's (n = L) 8 rows from i. */
  private static void narrow8x1(int rows, int k, float[] a, int aOffset, int aRow, int aCol, int[] aRows, int i,
      float[] b, int bj, int[] bRows, float[] c, int c0, int ldc, boolean acc) {
    int a0 = aOffset + GemmKernel.rowStart(aRow, aRows, i);
    int a1 = rows > 1 ? aOffset + GemmKernel.rowStart(aRow, aRows, i + 1) : a0;
    int a2 = rows > 2 ? aOffset + GemmKernel.rowStart(aRow, aRows, i + 2) : a0;
    int a3 = rows > 3 ? aOffset + GemmKernel.rowStart(aRow, aRows, i + 3) : a0;
    int a4 = rows > 4 ? aOffset + GemmKernel.rowStart(aRow, aRows, i + 4) : a0;
    int a5 = rows > 5 ? aOffset + GemmKernel.rowStart(aRow, aRows, i + 5) : a0;
    int a6 = rows > 6 ? aOffset + GemmKernel.rowStart(aRow, aRows, i + 6) : a0;
    int a7 = rows > 7 ? aOffset + GemmKernel.rowStart(aRow, aRows, i + 7) : a0;
    int c1 = rows > 1 ? c0 + ldc : c0;
    int c2 = rows > 2 ? c0 + 2 * ldc : c0;
    int c3 = rows > 3 ? c0 + 3 * ldc : c0;
    int c4 = rows > 4 ? c0 + 4 * ldc : c0;
    int c5 = rows > 5 ? c0 + 5 * ldc : c0;
    int c6 = rows > 6 ? c0 + 6 * ldc : c0;
    int c7 = rows > 7 ? c0 + 7 * ldc : c0;
    FloatVector x00, x10, x20, x30, x40, x50, x60, x70;
    if (acc) {
      x00 = FloatVector.fromArray(S, c, c0);
      x10 = FloatVector.fromArray(S, c, c1);
      x20 = FloatVector.fromArray(S, c, c2);
      x30 = FloatVector.fromArray(S, c, c3);
      x40 = FloatVector.fromArray(S, c, c4);
      x50 = FloatVector.fromArray(S, c, c5);
      x60 = FloatVector.fromArray(S, c, c6);
      x70 = FloatVector.fromArray(S, c, c7);
    } else {
      x00 = x10 = x20 = x30 = x40 = x50 = x60 = x70 = FloatVector.zero(S);
    }
    for (int p = 0; p < k; p++) {
      int q = p * aCol;
      int pb = bj + bRows[p];
      FloatVector b0 = FloatVector.fromArray(S, b, pb);
      FloatVector a0v = FloatVector.broadcast(S, a[a0 + q]);
      x00 = a0v.fma(b0, x00);
      FloatVector a1v = FloatVector.broadcast(S, a[a1 + q]);
      x10 = a1v.fma(b0, x10);
      FloatVector a2v = FloatVector.broadcast(S, a[a2 + q]);
      x20 = a2v.fma(b0, x20);
      FloatVector a3v = FloatVector.broadcast(S, a[a3 + q]);
      x30 = a3v.fma(b0, x30);
      FloatVector a4v = FloatVector.broadcast(S, a[a4 + q]);
      x40 = a4v.fma(b0, x40);
      FloatVector a5v = FloatVector.broadcast(S, a[a5 + q]);
      x50 = a5v.fma(b0, x50);
      FloatVector a6v = FloatVector.broadcast(S, a[a6 + q]);
      x60 = a6v.fma(b0, x60);
      FloatVector a7v = FloatVector.broadcast(S, a[a7 + q]);
      x70 = a7v.fma(b0, x70);
    }
    if (rows > 7) {
      x70.intoArray(c, c7);
    }
    if (rows > 6) {
      x60.intoArray(c, c6);
    }
    if (rows > 5) {
      x50.intoArray(c, c5);
    }
    if (rows > 4) {
      x40.intoArray(c, c4);
    }
    if (rows > 3) {
      x30.intoArray(c, c3);
    }
    if (rows > 2) {
      x20.intoArray(c, c2);
    }
    if (rows > 1) {
      x10.intoArray(c, c1);
    }
    x00.intoArray(c, c0);
  }

  /** A narrow product's (n = 2L) 4 rows from i. */
  private static void narrow4x2(int rows, int k, float[] a, int aOffset, int aRow, int aCol, int[] aRows, int i,
      float[] b, int bj, int[] bRows, float[] c, int c0, int ldc, boolean acc) {
    int a0 = aOffset + GemmKernel.rowStart(aRow, aRows, i);
    int a1 = rows > 1 ? aOffset + GemmKernel.rowStart(aRow, aRows, i + 1) : a0;
    int a2 = rows > 2 ? aOffset + GemmKernel.rowStart(aRow, aRows, i + 2) : a0;
    int a3 = rows > 3 ? aOffset + GemmKernel.rowStart(aRow, aRows, i + 3) : a0;
    int c1 = rows > 1 ? c0 + ldc : c0;
    int c2 = rows > 2 ? c0 + 2 * ldc : c0;
    int c3 = rows > 3 ? c0 + 3 * ldc : c0;
    FloatVector x00, x01, x10, x11, x20, x21, x30, x31;
    if (acc) {
      x00 = FloatVector.fromArray(S, c, c0);
      x01 = FloatVector.fromArray(S, c, c0 + L);
      x10 = FloatVector.fromArray(S, c, c1);
      x11 = FloatVector.fromArray(S, c, c1 + L);
      x20 = FloatVector.fromArray(S, c, c2);
      x21 = FloatVector.fromArray(S, c, c2 + L);
      x30 = FloatVector.fromArray(S, c, c3);
      x31 = FloatVector.fromArray(S, c, c3 + L);
    } else {
      x00 = x01 = x10 = x11 = x20 = x21 = x30 = x31 = FloatVector.zero(S);
    }
    for (int p = 0; p < k; p++) {
      int q = p * aCol;
      int pb = bj + bRows[p];
      FloatVector b0 = FloatVector.fromArray(S, b, pb);
      FloatVector b1 = FloatVector.fromArray(S, b, pb + L);
      FloatVector a0v = FloatVector.broadcast(S, a[a0 + q]);
      x00 = a0v.fma(b0, x00);
      x01 = a0v.fma(b1, x01);
      FloatVector a1v = FloatVector.broadcast(S, a[a1 + q]);
      x10 = a1v.fma(b0, x10);
      x11 = a1v.fma(b1, x11);
      FloatVector a2v = FloatVector.broadcast(S, a[a2 + q]);
      x20 = a2v.fma(b0, x20);
      x21 = a2v.fma(b1, x21);
      FloatVector a3v = FloatVector.broadcast(S, a[a3 + q]);
      x30 = a3v.fma(b0, x30);
      x31 = a3v.fma(b1, x31);
    }
    if (rows > 3) {
      x30.intoArray(c, c3);
      x31.intoArray(c, c3 + L);
    }
    if (rows > 2) {
      x20.intoArray(c, c2);
      x21.intoArray(c, c2 + L);
    }
    if (rows > 1) {
      x10.intoArray(c, c1);
      x11.intoArray(c, c1 + L);
    }
    x00.intoArray(c, c0);
    x01.intoArray(c, c0 + L);
  }
}
