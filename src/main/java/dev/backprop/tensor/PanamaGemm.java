package dev.backprop.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link GemmKernel} on the incubating Vector API, for the small-m shapes of a CNN (m = 8..32 output channels or
 * 9..288 kernel taps, k and n from 9 to a few thousand). Operands are read in place; the only copies are B^T for
 * short NT products, in a per-thread buffer. B's rows start at multiples of ldb or where a table says (see
 * {@link GemmKernel}): the same kernels serve a strided B and the row-offset products, whose rows are overlapping
 * windows of one plane.
 *
 * <ul>
 *   <li>B not transposed (NN, TN): outer products. A 4 x 3-vector tile of C (12 accumulators: 4 rows, 3L columns
 *       for L lanes) stays in registers while p runs over k; each step loads 3 vectors of row p of B, broadcasts 4
 *       elements of column p of op(A) and issues 12 fused multiply-adds. Rows past m repeat a valid row and are not
 *       stored; the last, partial strip of columns uses masked loads and stores. Strips of 3L columns are the outer
 *       loop, so a strip of B (k x 3L) stays in cache while every row of A passes over it.
 *   <li>A not transposed, B transposed (NT, the weight gradient dW += dOut col^T), k &gt;=
 *       {@link GemmKernel#LANE_SUMS_FROM_K}: dot products along p, which is contiguous in both operands. A tile of 4
 *       rows of A by 3 rows of B keeps 12 vectors of 8 lanes (256 bits, also on 512-bit machines) of partial sums,
 *       the 8 lane sums the canonical order asks for (with 128-bit vectors in two passes over p); the last k mod 8
 *       products are one masked step, and the lane sums are folded by {@link GemmKernel#foldLaneSums}'s tree.
 *   <li>NT with smaller k: B^T is copied (k x n, small since k is) and goes through the outer-product kernel.
 *   <li>Both transposed: not needed by the layers; delegated to {@link ScalarGemm}.
 * </ul>
 *
 * <p>Every element is summed in the canonical order of {@link GemmKernel}, whatever L is: the outer-product
 * kernels by construction (one fused multiply-add per p, in p order, per lane), the dot-product kernel by its fixed
 * 8 lanes. No {@code reduceLanes}, whose float order the API leaves to the implementation.
 */
final class PanamaGemm implements GemmKernel {

  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  private static final int L = S.length();
  /** The dot-product kernel's vectors: 8 lanes (256 bits), or 4 where the preferred vectors are 128 bits. */
  private static final VectorSpecies<Float> DS = L >= LANE_SUMS ? FloatVector.SPECIES_256 : S;
  private static final int DL = DS.length();
  /** Lane l + d moves to lane l (mod DL): the in-vector steps of the lane-sum fold. */
  private static final VectorShuffle<Float> ROTATE_FOUR = rotation(Math.min(4, DL / 2));
  private static final VectorShuffle<Float> ROTATE_TWO = rotation(2);
  private static final VectorShuffle<Float> ROTATE_ONE = rotation(1);
  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  /** Per-thread buffers, reused from call to call. */
  private static final class Scratch {
    /** The 12 x 8 lane sums of one dot-product tile. */
    final float[] sums = new float[12 * LANE_SUMS];
    /** B^T for short NT products; grows to the largest k x n seen. */
    float[] transposed = new float[0];
  }

  PanamaGemm() {
    if (S.vectorBitSize() < 128) {
      throw new UnsupportedOperationException("preferred float vectors are " + S.vectorBitSize() + " bits");
    }
  }

  private static VectorShuffle<Float> rotation(int d) {
    return VectorShuffle.fromOp(DS, l -> (l + d) % DL);
  }

  static String description() {
    return "FloatVector " + S.vectorBitSize() + "-bit (" + L + " lanes)";
  }

  @Override
  public void gemm(boolean transA, boolean transB, int m, int n, int k, float[] a, int aOffset, int lda, float[] b,
      int bOffset, int ldb, int[] bRows, float[] c, int cOffset, int ldc, boolean accumulate) {
    if (!transB) {
      // Element (i, p) of op(A) is a[aOffset + i * aRow + p * aCol].
      int aRow = transA ? 1 : lda;
      int aCol = transA ? lda : 1;
      outerProducts(m, n, k, a, aOffset, aRow, aCol, b, bOffset, ldb, bRows, c, cOffset, ldc, accumulate);
    } else if (!transA && k >= LANE_SUMS_FROM_K) {
      dotProducts(m, n, k, a, aOffset, lda, b, bOffset, ldb, bRows, c, cOffset, ldc, accumulate);
    } else if (!transA) {
      // Short dot products would spend more on folding partial sums than on multiplying: copy B^T (k x n, small
      // because k is) and run the outer-product kernel on it.
      float[] bt = transposed(k, n, b, bOffset, ldb, bRows);
      outerProducts(m, n, k, a, aOffset, lda, 1, bt, 0, n, null, c, cOffset, ldc, accumulate);
    } else {
      ScalarGemm.INSTANCE.gemm(true, true, m, n, k, a, aOffset, lda, b, bOffset, ldb, bRows, c, cOffset, ldc,
          accumulate);
    }
  }

  /** B^T of the n x k matrix B, as a k x n row-major matrix in this thread's scratch buffer. */
  private static float[] transposed(int k, int n, float[] b, int bOffset, int ldb, int[] bRows) {
    Scratch scratch = SCRATCH.get();
    if (scratch.transposed.length < k * n) {
      scratch.transposed = new float[k * n];
    }
    float[] bt = scratch.transposed;
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

  // ---- NN and TN: C[i, j..] += A[i, p] * B[p, j..] --------------------------------------------------------------

  private static void outerProducts(int m, int n, int k, float[] a, int aOffset, int aRow, int aCol, float[] b,
      int bOffset, int ldb, int[] bRows, float[] c, int cOffset, int ldc, boolean acc) {
    int strip = 3 * L;
    int j = 0;
    for (; j + strip <= n; j += strip) {
      for (int i = 0; i < m; i += 4) {
        int rows = Math.min(4, m - i);
        int a0 = aOffset + i * aRow;
        int c0 = cOffset + i * ldc + j;
        block4x3(rows, k, a, a0, aRow, aCol, b, bOffset + j, ldb, bRows, c, c0, ldc, acc);
      }
    }
    if (j < n) {
      lastStrip(m, n - j, k, a, aOffset, aRow, aCol, b, bOffset + j, ldb, bRows, c, cOffset + j, ldc, acc);
    }
  }

  /**
   * The last {@code columns} (1..3L - 1) columns of {@link #outerProducts}, from bj in B's rows and cj in C's.
   * A method of its own so that outerProducts stays small enough for C2 to inline it into its caller.
   */
  private static void lastStrip(int m, int columns, int k, float[] a, int aOffset, int aRow, int aCol, float[] b,
      int bj, int ldb, int[] bRows, float[] c, int cj, int ldc, boolean acc) {
    int vectors = (columns + L - 1) / L;
    // The valid lanes of the last vector, 1..L. The callees make the mask themselves: a mask passed in (boxed,
    // since they are not inlined) made C2 drop the masked-load intrinsics in some compilations, seen when the
    // caller was compiled on-stack-replaced (TN 288x9x32: 10 instead of 23 GFLOP/s).
    int lanes = columns - (vectors - 1) * L;
    for (int i = 0; i < m; i += 4) {
      int rows = Math.min(4, m - i);
      int a0 = aOffset + i * aRow;
      int c0 = cj + i * ldc;
      switch (vectors) {
        case 1 -> block4x1(rows, k, a, a0, aRow, aCol, b, bj, ldb, bRows, c, c0, ldc, acc, lanes);
        case 2 -> block4x2(rows, k, a, a0, aRow, aCol, b, bj, ldb, bRows, c, c0, ldc, acc, lanes);
        default -> block4x3m(rows, k, a, a0, aRow, aCol, b, bj, ldb, bRows, c, c0, ldc, acc, lanes);
      }
    }
  }

  /**
   * Rows i0..i0+3 (A rows start at a0, a0 + aRow, ...; only the first {@code rows} are real, the others repeat
   * row i0) times columns j..j+3L of B (from bj in each row) into C rows starting at c0, c0 + ldc, ...
   */
  private static void block4x3(int rows, int k, float[] a, int a0, int aRow, int aCol, float[] b, int bj,
      int ldb, int[] bRows, float[] c, int c0, int ldc, boolean acc) {
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
    // The strided row start is advanced, not computed as p * ldb, which would cost a multiply per step.
    for (int p = 0, strided = bj; p < k; p++, strided += ldb) {
      int q = p * aCol;
      int pb = bRows == null ? strided : bj + bRows[p];
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
  private static void block4x3m(int rows, int k, float[] a, int a0, int aRow, int aCol, float[] b, int bj,
      int ldb, int[] bRows, float[] c, int c0, int ldc, boolean acc, int lanes) {
    VectorMask<Float> last = S.indexInRange(0, lanes);
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
    for (int p = 0, strided = bj; p < k; p++, strided += ldb) {
      int q = p * aCol;
      int pb = bRows == null ? strided : bj + bRows[p];
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
  private static void block4x2(int rows, int k, float[] a, int a0, int aRow, int aCol, float[] b, int bj,
      int ldb, int[] bRows, float[] c, int c0, int ldc, boolean acc, int lanes) {
    VectorMask<Float> last = S.indexInRange(0, lanes);
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
    for (int p = 0, strided = bj; p < k; p++, strided += ldb) {
      int q = p * aCol;
      int pb = bRows == null ? strided : bj + bRows[p];
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
  private static void block4x1(int rows, int k, float[] a, int a0, int aRow, int aCol, float[] b, int bj,
      int ldb, int[] bRows, float[] c, int c0, int ldc, boolean acc, int lanes) {
    VectorMask<Float> last = S.indexInRange(0, lanes);
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
    for (int p = 0, strided = bj; p < k; p++, strided += ldb) {
      int q = p * aCol;
      int pb = bRows == null ? strided : bj + bRows[p];
      FloatVector b0 = FloatVector.fromArray(S, b, pb, last);
      x0 = FloatVector.broadcast(S, a[a0 + q]).fma(b0, x0);
      x1 = FloatVector.broadcast(S, a[a1 + q]).fma(b0, x1);
      x2 = FloatVector.broadcast(S, a[a2 + q]).fma(b0, x2);
      x3 = FloatVector.broadcast(S, a[a3 + q]).fma(b0, x3);
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

  /**
   * The {@link GemmKernel#LANE_SUMS} lane sums of each element, lane l taking the products with p = l (mod 8) in
   * p order, in vectors of DL = 8 lanes (4 where vectors are 128 bits: then 2 passes over p, pass v filling lanes
   * 4v..4v + 3 from p = 8t + 4v ...). Each pass is a full tile of 12 accumulators; the rows of A and B a tile reads
   * (7 rows of k floats) stay in L1 between the passes.
   */
  private static void dotProducts(int m, int n, int k, float[] a, int aOffset, int lda, float[] b, int bOffset,
      int ldb, int[] bRows, float[] c, int cOffset, int ldc, boolean acc) {
    int kv = k - k % LANE_SUMS;
    float[] sums = SCRATCH.get().sums;
    for (int j = 0; j < n; j += 3) {
      int cols = Math.min(3, n - j);
      // Columns past cols repeat the first row of B.
      int b0 = bOffset + GemmKernel.rowStart(ldb, bRows, j);
      int b1 = cols > 1 ? bOffset + GemmKernel.rowStart(ldb, bRows, j + 1) : b0;
      int b2 = cols > 2 ? bOffset + GemmKernel.rowStart(ldb, bRows, j + 2) : b0;
      for (int i = 0; i < m; i += 4) {
        int rows = Math.min(4, m - i);
        int a0 = aOffset + i * lda;
        for (int lane = 0; lane < LANE_SUMS; lane += DL) {
          dot4x3(rows, lane, kv, a, a0, lda, b, b0, b1, b2, sums);
          if (kv + lane < k) {
            dotTail4x3(rows, kv + lane, k, a, a0, lda, b, b0, b1, b2, sums, lane);
          }
        }
        int c0 = cOffset + i * ldc + j;
        for (int r = 0; r < rows; r++) {
          for (int s = 0; s < cols; s++) {
            int ci = c0 + r * ldc + s;
            float sum = foldLaneSums(sums, (3 * r + s) * LANE_SUMS);
            c[ci] = acc ? c[ci] + sum : sum;
          }
        }
      }
    }
  }

  /**
   * Lanes lane..lane + DL - 1 of the partial dot products over p &lt; kv (a multiple of 8) of rows a0 + r * lda of
   * A (r &lt; 4) with the rows of B at b0, b1, b2: the vector of row r and column s goes to
   * sums[(3r + s) 8 + lane ...]. Rows of A past {@code rows} repeat the first one.
   *
   * <p>Kept to the vector loop alone: C1, which runs this before C2 has compiled it, gives up on a bigger method
   * ("out of virtual registers"), and then C2 may not compile it for seconds. The partial sums leave through memory
   * because a vector handed to a method that is not inlined is boxed.
   */
  private static void dot4x3(int rows, int lane, int kv, float[] a, int a0, int lda, float[] b, int b0, int b1,
      int b2, float[] sums) {
    int a1 = rows > 1 ? a0 + lda : a0;
    int a2 = rows > 2 ? a0 + 2 * lda : a0;
    int a3 = rows > 3 ? a0 + 3 * lda : a0;
    FloatVector s00, s01, s02, s10, s11, s12, s20, s21, s22, s30, s31, s32;
    s00 = s01 = s02 = s10 = s11 = s12 = s20 = s21 = s22 = s30 = s31 = s32 = FloatVector.zero(DS);
    for (int p = lane; p < kv; p += LANE_SUMS) {
      FloatVector v0 = FloatVector.fromArray(DS, b, b0 + p);
      FloatVector v1 = FloatVector.fromArray(DS, b, b1 + p);
      FloatVector v2 = FloatVector.fromArray(DS, b, b2 + p);
      FloatVector u = FloatVector.fromArray(DS, a, a0 + p);
      s00 = u.fma(v0, s00);
      s01 = u.fma(v1, s01);
      s02 = u.fma(v2, s02);
      u = FloatVector.fromArray(DS, a, a1 + p);
      s10 = u.fma(v0, s10);
      s11 = u.fma(v1, s11);
      s12 = u.fma(v2, s12);
      u = FloatVector.fromArray(DS, a, a2 + p);
      s20 = u.fma(v0, s20);
      s21 = u.fma(v1, s21);
      s22 = u.fma(v2, s22);
      u = FloatVector.fromArray(DS, a, a3 + p);
      s30 = u.fma(v0, s30);
      s31 = u.fma(v1, s31);
      s32 = u.fma(v2, s32);
    }
    int w = LANE_SUMS;
    s00.intoArray(sums, lane);
    s01.intoArray(sums, w + lane);
    s02.intoArray(sums, 2 * w + lane);
    s10.intoArray(sums, 3 * w + lane);
    s11.intoArray(sums, 4 * w + lane);
    s12.intoArray(sums, 5 * w + lane);
    s20.intoArray(sums, 6 * w + lane);
    s21.intoArray(sums, 7 * w + lane);
    s22.intoArray(sums, 8 * w + lane);
    s30.intoArray(sums, 9 * w + lane);
    s31.intoArray(sums, 10 * w + lane);
    s32.intoArray(sums, 11 * w + lane);
  }

  /**
   * The products with p = from..min(k, from + DL) - 1 of a {@link #dot4x3} tile, one masked step added to lanes
   * lane..lane + DL - 1 of the partial sums. Masked-off lanes add fma(0, 0, s) = s: a partial sum is never -0 (it
   * starts at +0, and a sum of two floats is -0 only when both are).
   */
  private static void dotTail4x3(int rows, int from, int k, float[] a, int a0, int lda, float[] b, int b0, int b1,
      int b2, float[] sums, int lane) {
    VectorMask<Float> tail = DS.indexInRange(from, k);
    FloatVector v0 = FloatVector.fromArray(DS, b, b0 + from, tail);
    FloatVector v1 = FloatVector.fromArray(DS, b, b1 + from, tail);
    FloatVector v2 = FloatVector.fromArray(DS, b, b2 + from, tail);
    for (int r = 0; r < 4; r++) {
      FloatVector u = FloatVector.fromArray(DS, a, (rows > r ? a0 + r * lda : a0) + from, tail);
      int at = 3 * r * LANE_SUMS + lane;
      u.fma(v0, FloatVector.fromArray(DS, sums, at)).intoArray(sums, at);
      u.fma(v1, FloatVector.fromArray(DS, sums, at + LANE_SUMS)).intoArray(sums, at + LANE_SUMS);
      u.fma(v2, FloatVector.fromArray(DS, sums, at + 2 * LANE_SUMS)).intoArray(sums, at + 2 * LANE_SUMS);
    }
  }

  /**
   * {@link GemmKernel#foldLaneSums} with lanewise adds: with 4 lanes the tree's first step adds the two halves, the
   * other steps add a vector to its rotation (lane l + d onto lane l, d = 4, 2, 1). Lane 0 then holds the tree's
   * sum, as in the scalar fold; only adds and permutations, so no JIT tier can reorder it (reduceLanes leaves the
   * float order to the implementation).
   */
  private static float foldLaneSums(float[] sums, int at) {
    FloatVector v = FloatVector.fromArray(DS, sums, at);
    if (DL == 4) {
      v = v.add(FloatVector.fromArray(DS, sums, at + 4));
    } else {
      v = v.add(v.rearrange(ROTATE_FOUR));
    }
    v = v.add(v.rearrange(ROTATE_TWO));
    v = v.add(v.rearrange(ROTATE_ONE));
    return v.lane(0);
  }
}
