package dev.backprop.tensor;

import java.util.Arrays;
import java.util.Objects;

/**
 * Single-precision matrix product for the layers: {@code C = op(A) op(B)}, or {@code C += op(A) op(B)}.
 *
 * <p>Shapes: op(A) is m x k, op(B) is k x n, C is m x n. All three are row-major slices of flat arrays: element
 * (r, s) of a stored matrix X is {@code x[xOffset + r * ldx + s]}. op(X) is X itself, or its transpose when the
 * flag is set, so A is stored m x k (lda &gt;= k) when {@code transA} is false and k x m (lda &gt;= m) when it is
 * true; likewise B is stored k x n or n x k. C must not overlap A or B. With {@code accumulate == false} the old
 * contents of C are never read (they may be garbage, even NaN). {@link #gemmRowOffsets} and
 * {@link #gemmTransposedRowOffsets} take the rows of B from a table of offsets instead of a leading dimension:
 * the convolution's im2col matrix read in place, as shifted windows of its input.
 *
 * <p>Implementation: {@link VectorizationProvider} picks the Vector API kernel when the JVM can run it, otherwise a
 * scalar one; {@link #implementationName()} tells which. Both are single-threaded and share no mutable state:
 * scratch buffers (the vector kernel's partial sums and B^T copies, the scalar kernel's index tables) are per
 * thread and reused (allocated on a thread's first call, grown only for a bigger product), so any number of threads
 * may call this at once on disjoint outputs, and a steady training loop allocates nothing here.
 *
 * <p>Rounding: every element of C is summed in the canonical order of {@link GemmKernel} (fused multiply-adds in
 * p order; long NT products in 16 lane sums folded by a fixed tree), which depends only on k and the transpose
 * flags: not on m, n, the element's position, the thread, the JIT tier, the vector width or the kernel. So the same
 * inputs give the same bits on every machine, and images batched side by side in n get exactly what each gets
 * alone. The row-offset products give {@link #gemm}'s bits on the same rows. The error stays within the usual
 * float dot-product bound: |error| &lt;= k 2^-24 (1 + O(k 2^-24)) times (|old C| + sum over p of |A[i,p] B[p,j]|).
 */
public final class Gemm {

  private static final GemmKernel KERNEL = VectorizationProvider.getInstance().gemm();

  private Gemm() {}

  /** Which kernel {@link #gemm} runs, e.g. "vector: FloatVector 256-bit (8 lanes), FMA" or "scalar (...)". */
  public static String implementationName() {
    return VectorizationProvider.getInstance().name();
  }

  /**
   * A column count that suits every kernel at every vector width (3 vectors of 16, 8 or 4 lanes; 4 x 4 scalar
   * tiles): products whose n (B not transposed) or k (NT) is a multiple of it run without a masked or scalar tail.
   * Callers that own their buffers round their sizes up to it. It is the same on every machine, so that sizes
   * derived from it, and the order of {@link GemmKernel}'s sums that depends on k, are too.
   */
  public static int columnMultiple() {
    return 48;
  }

  /**
   * {@code C[m x n] = op(A)[m x k] * op(B)[k x n]}, or {@code +=} when {@code accumulate}; see the class comment.
   *
   * @throws IllegalArgumentException for a negative size, a leading dimension shorter than its row, or C
   *     overlapping A or B
   * @throws IndexOutOfBoundsException when a matrix does not fit in its array at its offset
   */
  public static void gemm(boolean transA, boolean transB, int m, int n, int k, float[] a, int aOffset, int lda,
      float[] b, int bOffset, int ldb, float[] c, int cOffset, int ldc, boolean accumulate) {
    gemm(KERNEL, transA, transB, m, n, k, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc, accumulate);
  }

  /** {@link #gemm} on a given kernel: the tests call both implementations through this. */
  static void gemm(GemmKernel kernel, boolean transA, boolean transB, int m, int n, int k, float[] a, int aOffset,
      int lda, float[] b, int bOffset, int ldb, float[] c, int cOffset, int ldc, boolean accumulate) {
    requireSizes(m, n, k);
    long bLast = transB ? last("B", b, bOffset, ldb, n, k) : last("B", b, bOffset, ldb, k, n);
    checkAAndC(transA, m, n, k, a, aOffset, lda, b, bOffset, bLast, c, cOffset, ldc);
    if (nothingToMultiply(m, n, k, c, cOffset, ldc, accumulate)) {
      return;
    }
    kernel.gemm(transA, transB, m, n, k, a, aOffset, lda, b, bOffset, ldb, null, c, cOffset, ldc, accumulate);
  }

  /**
   * {@code C[m x n] = A[m x k] * B[k x n]}, or {@code +=} when {@code accumulate}, where row p of B starts at
   * {@code b[bOffset + rowOffsets[p]]}: {@code B[p, j] = b[bOffset + rowOffsets[p] + j]}. Rows may overlap, so a
   * stride-1 convolution reads its im2col rows as shifted windows of the padded input instead of copying them: for
   * an s x s kernel, {@code rowOffsets[(c s + ki) s + kj] = c plane + ki width + kj}, with the output at the
   * input's pitch. A is stored m x k as in {@link #gemm}. The result equals, bit for bit, {@link #gemm} without
   * transposes on a B with the same rows; with {@code rowOffsets[p] = p * ldb} it is that call.
   *
   * @param rowOffsets at least k entries; only the first k are read
   * @throws IllegalArgumentException for a negative size, lda &lt; k, a table shorter than k, or C overlapping A or
   *     the span of B's rows
   * @throws IndexOutOfBoundsException when A, C or a row of B does not fit in its array
   */
  public static void gemmRowOffsets(int m, int n, int k, float[] a, int aOffset, int lda, float[] b, int bOffset,
      int[] rowOffsets, float[] c, int cOffset, int ldc, boolean accumulate) {
    gemmRowOffsets(KERNEL, false, m, n, k, a, aOffset, lda, b, bOffset, rowOffsets, c, cOffset, ldc, accumulate);
  }

  /**
   * {@code C[m x n] = A[m x k] * B^T}, or {@code +=} when {@code accumulate}, where B is n x k and its row j is
   * {@code b[bOffset + rowOffsets[j] ... + k)}: {@code B[j, p] = b[bOffset + rowOffsets[j] + p]}. The convolution's
   * weight gradient {@code dW += dOut * windows^T} with the windows read in place, as in {@link #gemmRowOffsets}.
   * The result equals, bit for bit, {@link #gemm} with only B transposed on a B with the same rows.
   *
   * @param rowOffsets at least n entries; only the first n are read
   * @throws IllegalArgumentException for a negative size, lda &lt; k, a table shorter than n, or C overlapping A or
   *     the span of B's rows
   * @throws IndexOutOfBoundsException when A, C or a row of B does not fit in its array
   */
  public static void gemmTransposedRowOffsets(int m, int n, int k, float[] a, int aOffset, int lda, float[] b,
      int bOffset, int[] rowOffsets, float[] c, int cOffset, int ldc, boolean accumulate) {
    gemmRowOffsets(KERNEL, true, m, n, k, a, aOffset, lda, b, bOffset, rowOffsets, c, cOffset, ldc, accumulate);
  }

  /**
   * {@link #gemmRowOffsets} ({@code transB} false) or {@link #gemmTransposedRowOffsets} (true) on a given kernel:
   * the tests call both implementations through this.
   */
  static void gemmRowOffsets(GemmKernel kernel, boolean transB, int m, int n, int k, float[] a, int aOffset,
      int lda, float[] b, int bOffset, int[] rowOffsets, float[] c, int cOffset, int ldc, boolean accumulate) {
    requireSizes(m, n, k);
    int rows = transB ? n : k;
    int rowLength = transB ? k : n;
    Objects.requireNonNull(b, "B");
    Objects.requireNonNull(rowOffsets, "rowOffsets");
    if (rowOffsets.length < rows) {
      throw new IllegalArgumentException("rowOffsets has " + rowOffsets.length + " entries, B has " + rows + " rows");
    }
    long bFirst = bOffset;
    long bLast = bOffset - 1L;
    if (rows > 0 && rowLength > 0) {
      int lowest = 0;
      int highest = 0;
      for (int r = 1; r < rows; r++) {
        lowest = rowOffsets[r] < rowOffsets[lowest] ? r : lowest;
        highest = rowOffsets[r] > rowOffsets[highest] ? r : highest;
      }
      bFirst = (long) bOffset + rowOffsets[lowest];
      bLast = (long) bOffset + rowOffsets[highest] + rowLength - 1;
      if (bFirst < 0 || bLast >= b.length) {
        int row = bFirst < 0 ? lowest : highest;
        throw new IndexOutOfBoundsException("B: row " + row + " of length " + rowLength + " at offset " + bOffset
            + " + " + rowOffsets[row] + " needs indices " + (bOffset + (long) rowOffsets[row]) + ".."
            + (bOffset + (long) rowOffsets[row] + rowLength - 1) + ", array length is " + b.length);
      }
    }
    checkAAndC(false, m, n, k, a, aOffset, lda, b, bFirst, bLast, c, cOffset, ldc);
    if (nothingToMultiply(m, n, k, c, cOffset, ldc, accumulate)) {
      return;
    }
    kernel.gemm(false, transB, m, n, k, a, aOffset, lda, b, bOffset, 0, rowOffsets, c, cOffset, ldc, accumulate);
  }

  private static void requireSizes(int m, int n, int k) {
    if (m < 0 || n < 0 || k < 0) {
      throw new IllegalArgumentException("negative size: m=" + m + ", n=" + n + ", k=" + k);
    }
  }

  /** Checks that A and C fit their arrays and that C overlaps neither A nor b's indices bFirst..bLast. */
  private static void checkAAndC(boolean transA, int m, int n, int k, float[] a, int aOffset, int lda, float[] b,
      long bFirst, long bLast, float[] c, int cOffset, int ldc) {
    long aLast = transA ? last("A", a, aOffset, lda, k, m) : last("A", a, aOffset, lda, m, k);
    long cLast = last("C", c, cOffset, ldc, m, n);
    if (c == a && overlap(cOffset, cLast, aOffset, aLast)) {
      throw new IllegalArgumentException("C overlaps A");
    }
    if (c == b && overlap(cOffset, cLast, bFirst, bLast)) {
      throw new IllegalArgumentException("C overlaps B");
    }
  }

  /**
   * Whether the product is empty or all zero, after carrying it out: with k = 0, C is zeroed unless accumulating.
   */
  private static boolean nothingToMultiply(int m, int n, int k, float[] c, int cOffset, int ldc,
      boolean accumulate) {
    if (m == 0 || n == 0) {
      return true;
    }
    if (k == 0) {
      if (!accumulate) {
        for (int i = 0; i < m; i++) {
          int row = cOffset + i * ldc;
          Arrays.fill(c, row, row + n, 0f);
        }
      }
      return true;
    }
    return false;
  }

  /**
   * Checks that a stored rows x cols matrix fits its array and returns the index of its last element, or
   * {@code offset - 1} when it is empty.
   */
  private static long last(String name, float[] x, int offset, int ld, int rows, int cols) {
    Objects.requireNonNull(x, name);
    if (rows == 0 || cols == 0) {
      return offset - 1L;
    }
    if (ld < cols) {
      throw new IllegalArgumentException(name + ": leading dimension " + ld + " < row length " + cols);
    }
    long last = (long) offset + (long) (rows - 1) * ld + cols - 1;
    if (offset < 0 || last >= x.length) {
      throw new IndexOutOfBoundsException(name + ": " + rows + " x " + cols + " matrix at offset " + offset
          + " with leading dimension " + ld + " needs index " + last + ", array length is " + x.length);
    }
    return last;
  }

  /** Whether index ranges [xFirst, xLast] and [yFirst, yLast] share an element (an empty range shares none). */
  private static boolean overlap(long xFirst, long xLast, long yFirst, long yLast) {
    return xFirst <= xLast && yFirst <= yLast && xFirst <= yLast && yFirst <= xLast;
  }
}
