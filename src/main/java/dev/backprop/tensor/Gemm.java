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
 * contents of C are never read (they may be garbage, even NaN). {@link #gemmRowOffsets} takes the rows of B, and
 * {@link #gemmARowOffsets} those of A, from a table of offsets instead of a leading dimension: the convolution's
 * im2col matrix read in place, as shifted windows of its input.
 *
 * <p>Implementation: {@link VectorizationProvider} picks the Vector API kernel when the JVM can run it, otherwise a
 * scalar one; {@link #implementationName()} tells which. Both are single-threaded and share no mutable state:
 * scratch buffers (the vector kernel's B^T copies, the scalar kernel's index tables) are per
 * thread and reused (allocated on a thread's first call, grown only for a bigger product), so any number of threads
 * may call this at once on disjoint outputs, and a steady training loop allocates nothing here.
 *
 * <p>Rounding: every element of C is summed in the canonical order of {@link GemmKernel} (one chain of fused
 * multiply-adds in p order), which depends on nothing else: not on the layout, m, n, the element's position, the
 * thread, the JIT tier, the vector width or the kernel. So the same
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
   * Runs {@code steps} steps of {@link GemmKernel#FMA_CHAINS} independent fused multiply-add chains on this kernel's
   * vectors, with no memory traffic: {@code fmaFlopsPerStep() · steps} flop that only the FMA units limit
   * (bench's FMA peak). Returns a value that depends on every chain.
   */
  public static float fmaChains(long steps, float seed) {
    return KERNEL.fmaChains(steps, seed);
  }

  /** Floats per fused multiply-add in {@link #fmaChains}: the kernel's vector lanes, 1 for the scalar kernel. */
  public static int fmaLanes() {
    return KERNEL.fmaLanes();
  }

  /** Flop of one step of {@link #fmaChains}: 2 per lane per chain. */
  public static int fmaFlopsPerStep() {
    return 2 * KERNEL.fmaLanes() * GemmKernel.FMA_CHAINS;
  }

  /**
   * A column count that suits every kernel at every vector width (3 vectors of 16, 8 or 4 lanes; 4 x 4 scalar
   * tiles): products whose n is a multiple of it run without a masked or scalar tail. Callers that own their
   * buffers round their sizes up to it. It is the same on every machine, so that sizes derived from it are too.
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
    kernel.gemm(transA, transB, m, n, k, a, aOffset, lda, null, b, bOffset, ldb, null, c, cOffset, ldc,
        accumulate);
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
   * {@code C[m x n] = A * B[k x n]}, or {@code +=} when {@code accumulate}, where A is m x k and its row i is
   * {@code a[aOffset + rowOffsets[i] ... + k)}: {@code A[i, p] = a[aOffset + rowOffsets[i] + p]}. The convolution's
   * weight gradient {@code dW^T += windows * dOut^T}, with the windows read in place as in {@link #gemmRowOffsets}.
   * B is stored k x n as in {@link #gemm}. The result equals, bit for bit, {@link #gemm} without transposes on an
   * A with the same rows.
   *
   * @param rowOffsets at least m entries; only the first m are read
   * @throws IllegalArgumentException for a negative size, ldb &lt; n, a table shorter than m, or C overlapping B or
   *     the span of A's rows
   * @throws IndexOutOfBoundsException when B, C or a row of A does not fit in its array
   */
  public static void gemmARowOffsets(int m, int n, int k, float[] a, int aOffset, int[] rowOffsets, float[] b,
      int bOffset, int ldb, float[] c, int cOffset, int ldc, boolean accumulate) {
    gemmARowOffsets(KERNEL, m, n, k, a, aOffset, rowOffsets, b, bOffset, ldb, c, cOffset, ldc, accumulate);
  }

  /**
   * {@link #gemmRowOffsets} on a given kernel: the tests call both implementations through this. (transB true, B's
   * rows of length k from the table, is the same product with B transposed; the tests reach it here.)
   */
  static void gemmRowOffsets(GemmKernel kernel, boolean transB, int m, int n, int k, float[] a, int aOffset,
      int lda, float[] b, int bOffset, int[] rowOffsets, float[] c, int cOffset, int ldc, boolean accumulate) {
    requireSizes(m, n, k);
    int rows = transB ? n : k;
    int rowLength = transB ? k : n;
    long bLast = checkTable("B", b, bOffset, rowOffsets, rows, rowLength);
    checkAAndC(false, m, n, k, a, aOffset, lda, b, tableFirst(bOffset, rowOffsets, rows, rowLength), bLast, c,
        cOffset, ldc);
    if (nothingToMultiply(m, n, k, c, cOffset, ldc, accumulate)) {
      return;
    }
    kernel.gemm(false, transB, m, n, k, a, aOffset, lda, null, b, bOffset, 0, rowOffsets, c, cOffset, ldc,
        accumulate);
  }

  /** {@link #gemmARowOffsets} on a given kernel: the tests call both implementations through this. */
  static void gemmARowOffsets(GemmKernel kernel, int m, int n, int k, float[] a, int aOffset, int[] rowOffsets,
      float[] b, int bOffset, int ldb, float[] c, int cOffset, int ldc, boolean accumulate) {
    requireSizes(m, n, k);
    long aLast = checkTable("A", a, aOffset, rowOffsets, m, k);
    long bLast = last("B", b, bOffset, ldb, k, n);
    long cLast = last("C", c, cOffset, ldc, m, n);
    if (c == a && overlap(cOffset, cLast, tableFirst(aOffset, rowOffsets, m, k), aLast)) {
      throw new IllegalArgumentException("C overlaps A");
    }
    if (c == b && overlap(cOffset, cLast, bOffset, bLast)) {
      throw new IllegalArgumentException("C overlaps B");
    }
    if (nothingToMultiply(m, n, k, c, cOffset, ldc, accumulate)) {
      return;
    }
    kernel.gemm(false, false, m, n, k, a, aOffset, 0, rowOffsets, b, bOffset, ldb, null, c, cOffset, ldc,
        accumulate);
  }

  /**
   * Checks that each of {@code rows} rows of {@code rowLength} elements at x[offset + rowOffsets[r]] fits the
   * array, and returns the last index they reach ({@code offset - 1} when empty).
   */
  private static long checkTable(String name, float[] x, int offset, int[] rowOffsets, int rows, int rowLength) {
    Objects.requireNonNull(x, name);
    Objects.requireNonNull(rowOffsets, "rowOffsets");
    if (rowOffsets.length < rows) {
      throw new IllegalArgumentException("rowOffsets has " + rowOffsets.length + " entries, " + name + " has " + rows
          + " rows");
    }
    if (rows == 0 || rowLength == 0) {
      return offset - 1L;
    }
    int lowest = 0;
    int highest = 0;
    for (int r = 1; r < rows; r++) {
      lowest = rowOffsets[r] < rowOffsets[lowest] ? r : lowest;
      highest = rowOffsets[r] > rowOffsets[highest] ? r : highest;
    }
    long first = (long) offset + rowOffsets[lowest];
    long last = (long) offset + rowOffsets[highest] + rowLength - 1;
    if (first < 0 || last >= x.length) {
      int row = first < 0 ? lowest : highest;
      throw new IndexOutOfBoundsException(name + ": row " + row + " of length " + rowLength + " at offset " + offset
          + " + " + rowOffsets[row] + " needs indices " + (offset + (long) rowOffsets[row]) + ".."
          + (offset + (long) rowOffsets[row] + rowLength - 1) + ", array length is " + x.length);
    }
    return last;
  }

  /** The first index the rows of {@link #checkTable} reach ({@code offset} when empty). */
  private static long tableFirst(int offset, int[] rowOffsets, int rows, int rowLength) {
    long first = offset;
    if (rows > 0 && rowLength > 0) {
      first = (long) offset + rowOffsets[0];
      for (int r = 1; r < rows; r++) {
        first = Math.min(first, (long) offset + rowOffsets[r]);
      }
    }
    return first;
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
