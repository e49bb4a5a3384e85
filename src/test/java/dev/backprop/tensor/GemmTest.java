package dev.backprop.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Both kernels against a double-precision reference.
 *
 * <p>Tolerance: a float sum of k products plus the old C, in any order, with or without fused multiply-add, is
 * within gamma(k + 1) = (k + 1) u / (1 - (k + 1) u), u = 2^-24, of the exact sum, relative to the sum of the
 * magnitudes |C_old| + sum over p of |A[i,p] B[p,j]| (Higham, Accuracy and Stability of Numerical Algorithms,
 * section 3.1). That worst case holds for every input, so the test cannot be flaky; the double reference adds
 * errors around 1e-16 of the same magnitude sum, far below it. Typical errors are much smaller, but a bound that
 * is sharp for some inputs is the honest one to assert.
 */
class GemmTest {

  private static final float OUTSIDE = 12345.5f;

  /**
   * One product: shapes, layout and inputs; {@link #run} fills C and {@link #check} checks it. With
   * {@code rowOffsets} set, B's rows are where the table says (ldb unused), with {@code aRowOffsets} set A's rows
   * (lda unused), and the product runs through the row-offset entry points (transA is then false, and with a
   * table for A so is transB).
   */
  record Case(boolean transA, boolean transB, int m, int n, int k, int aOffset, int lda, int[] aRowOffsets,
      int bOffset, int ldb, int[] rowOffsets, int cOffset, int ldc, boolean accumulate, float[] a, float[] b,
      float[] c) {

    static Case random(SplittableRandom random, boolean transA, boolean transB, int m, int n, int k,
        boolean accumulate, boolean padded) {
      int aRows = transA ? k : m;
      int aCols = transA ? m : k;
      int bRows = transB ? n : k;
      int bCols = transB ? k : n;
      int lda = aCols + (padded ? random.nextInt(4) : 0);
      int ldb = bCols + (padded ? random.nextInt(4) : 0);
      int ldc = n + (padded ? random.nextInt(4) : 0);
      int aOffset = padded ? random.nextInt(6) : 0;
      int bOffset = padded ? random.nextInt(6) : 0;
      int cOffset = padded ? random.nextInt(6) : 0;
      float[] a = randoms(random, aOffset + aRows * lda + (padded ? random.nextInt(3) : 0));
      float[] b = randoms(random, bOffset + bRows * ldb + (padded ? random.nextInt(3) : 0));
      float[] c = oldC(random, m, n, cOffset, ldc, padded ? random.nextInt(3) : 0, accumulate);
      return new Case(transA, transB, m, n, k, aOffset, lda, null, bOffset, ldb, null, cOffset, ldc, accumulate, a,
          b, c);
    }

    /**
     * C's array: the m x n matrix at cOffset (random values when accumulating, NaN otherwise: an old C read when it
     * must not be would show) and {@link #OUTSIDE} everywhere else.
     */
    static float[] oldC(SplittableRandom random, int m, int n, int cOffset, int ldc, int slack, boolean accumulate) {
      float[] c = new float[cOffset + m * ldc + slack];
      Arrays.fill(c, OUTSIDE);
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
          c[cOffset + i * ldc + j] = accumulate ? (float) (random.nextDouble() * 2 - 1) : Float.NaN;
        }
      }
      return c;
    }

    /** The same product with B's rows given by the table of their strided starts, r * ldb. */
    Case withStridedRowOffsets() {
      int[] starts = new int[transB ? n : k];
      Arrays.setAll(starts, r -> r * ldb);
      return withRowOffsets(b, bOffset, starts);
    }

    /** The same A and old C with B's rows at b[bOffset + rowOffsets[r]]. */
    Case withRowOffsets(float[] b, int bOffset, int[] rowOffsets) {
      return new Case(transA, transB, m, n, k, aOffset, lda, aRowOffsets, bOffset, 0, rowOffsets, cOffset, ldc,
          accumulate, a, b, c);
    }

    /** The same B and old C with A's rows at a[aOffset + rowOffsets[i]] (A not transposed, B plain). */
    Case withARowOffsets(float[] a, int aOffset, int[] rowOffsets) {
      return new Case(false, false, m, n, k, aOffset, 0, rowOffsets, bOffset, ldb, null, cOffset, ldc, accumulate, a,
          b, c);
    }

    /** The same product with A's rows given by the table of their strided starts, i * lda. */
    Case withStridedARowOffsets() {
      int[] starts = new int[m];
      Arrays.setAll(starts, i -> i * lda);
      return withARowOffsets(a, aOffset, starts);
    }

    /** The same product with B copied into a plain strided matrix, ld = its row length. */
    Case withStridedCopyOfB() {
      int rows = transB ? n : k;
      int cols = transB ? k : n;
      float[] copy = new float[rows * cols];
      for (int r = 0; r < rows; r++) {
        for (int s = 0; s < cols; s++) {
          copy[r * cols + s] = transB ? b(s, r) : b(r, s);
        }
      }
      return new Case(transA, transB, m, n, k, aOffset, lda, aRowOffsets, 0, cols, null, cOffset, ldc, accumulate,
          a, copy, c);
    }

    /** The same product with A copied into a plain strided matrix, lda = k. */
    Case withStridedCopyOfA() {
      float[] copy = new float[m * k];
      for (int i = 0; i < m; i++) {
        for (int p = 0; p < k; p++) {
          copy[i * k + p] = a(i, p);
        }
      }
      return new Case(false, transB, m, n, k, 0, k, null, bOffset, ldb, rowOffsets, cOffset, ldc, accumulate, copy,
          b, c);
    }

    float a(int i, int p) {
      if (aRowOffsets != null) {
        return a[aOffset + aRowOffsets[i] + p];
      }
      return transA ? a[aOffset + p * lda + i] : a[aOffset + i * lda + p];
    }

    float b(int p, int j) {
      int row = transB ? j : p;
      int col = transB ? p : j;
      return b[bOffset + (rowOffsets != null ? rowOffsets[row] : row * ldb) + col];
    }

    /** Runs the kernel on a copy of C and returns that copy. */
    float[] run(VectorizationProvider provider) {
      float[] out = c.clone();
      if (aRowOffsets != null) {
        Gemm.gemmARowOffsets(provider.gemm(), m, n, k, a, aOffset, aRowOffsets, b, bOffset, ldb, out, cOffset, ldc,
            accumulate);
      } else if (rowOffsets != null) {
        Gemm.gemmRowOffsets(provider.gemm(), transB, m, n, k, a, aOffset, lda, b, bOffset, rowOffsets, out, cOffset,
            ldc, accumulate);
      } else {
        Gemm.gemm(provider.gemm(), transA, transB, m, n, k, a, aOffset, lda, b, bOffset, ldb, out, cOffset, ldc,
            accumulate);
      }
      return out;
    }

    /** Checks {@code out} against the double reference within the bound, and that nothing outside C changed. */
    void check(float[] out, String label) {
      double gamma = (k + 1) * 0x1p-24 / (1 - (k + 1) * 0x1p-24);
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
          int idx = cOffset + i * ldc + j;
          double old = accumulate ? c[idx] : 0;
          double exact = old;
          double magnitude = Math.abs(old);
          for (int p = 0; p < k; p++) {
            double product = (double) a(i, p) * b(p, j);
            exact += product;
            magnitude += Math.abs(product);
          }
          double error = Math.abs(out[idx] - exact);
          if (!(error <= gamma * magnitude)) {
            throw new AssertionError(String.format("%s %s: C[%d,%d] = %s, exact %s, error %.3g > bound %.3g",
                label, this, i, j, out[idx], exact, error, gamma * magnitude));
          }
        }
      }
      for (int idx = 0; idx < c.length; idx++) {
        int rel = idx - cOffset;
        boolean inside = rel >= 0 && rel / ldc < m && rel % ldc < n;
        if (!inside) {
          assertThat(out[idx]).as("%s %s: C index %d outside the matrix", label, this, idx).isEqualTo(OUTSIDE);
        }
      }
    }

    @Override
    public String toString() {
      return String.format("%s%s%s%s m=%d n=%d k=%d offsets %d/%d/%d ld %s/%s/%d %s", transA ? "T" : "N",
          transB ? "T" : "N", aRowOffsets != null ? " A row offsets" : "", rowOffsets != null ? " B row offsets" : "",
          m, n, k, aOffset, bOffset, cOffset, aRowOffsets != null ? "-" : lda, rowOffsets != null ? "-" : ldb, ldc,
          accumulate ? "+=" : "=");
    }
  }

  static float[] randoms(SplittableRandom random, int size) {
    float[] x = new float[size];
    for (int i = 0; i < size; i++) {
      x[i] = (float) (random.nextDouble() * 2 - 1);
    }
    return x;
  }

  @ParameterizedTest
  @MethodSource("dev.backprop.tensor.Providers#both")
  void randomOddShapesInAllLayoutsMatchTheReference(VectorizationProvider provider) {
    SplittableRandom random = new SplittableRandom(20240601);
    for (int trial = 0; trial < 480; trial++) {
      boolean transA = (trial & 1) != 0;
      boolean transB = (trial & 2) != 0;
      boolean accumulate = (trial & 4) != 0;
      int m = 1 + random.nextInt(37);
      int n = 1 + random.nextInt(37);
      // Mostly k <= 37; one trial in six has a long k. n <= 37 covers the vector kernel's narrow tiles (n <= 2L)
      // and its wide strips at every width.
      int k = trial % 6 == 5 ? 80 + random.nextInt(150) : 1 + random.nextInt(37);
      Case c = Case.random(random, transA, transB, m, n, k, accumulate, true);
      c.check(c.run(provider), provider.name());
    }
  }

  /**
   * The layers' shapes (conv forward NN, weight gradient dWᵀ = col · dOutᵀ NN with n = output channels, input
   * gradient TN, Linear's NT), including batched columns.
   */
  static List<Case> cnnShapes() {
    SplittableRandom random = new SplittableRandom(7);
    return List.of(
        Case.random(random, false, false, 16, 484, 144, false, false),
        Case.random(random, false, false, 16, 576, 144, true, false),
        Case.random(random, false, false, 8, 676, 9, false, false),
        Case.random(random, false, false, 32, 9, 144, false, false),
        Case.random(random, false, false, 10, 9, 32, false, false),
        Case.random(random, false, false, 16, 4 * 484, 144, false, false),
        Case.random(random, false, false, 144, 16, 484, true, false),
        Case.random(random, false, false, 9, 8, 676, true, false),
        Case.random(random, false, false, 144, 32, 9, true, false),
        Case.random(random, false, false, 288, 10, 9, true, false),
        Case.random(random, false, true, 128, 10, 32, false, false),
        Case.random(random, true, false, 144, 484, 16, false, false),
        Case.random(random, true, false, 9, 676, 8, false, false),
        Case.random(random, true, true, 20, 30, 40, true, true));
  }

  @ParameterizedTest
  @MethodSource("dev.backprop.tensor.Providers#both")
  void cnnShapesMatchTheReference(VectorizationProvider provider) {
    for (Case c : cnnShapes()) {
      c.check(c.run(provider), provider.name());
    }
  }

  /**
   * An element's value depends only on its row of op(A), its column of op(B) and its old value: not on m, n or
   * where it sits. So repeated calls agree bit for bit, and a batch of images side by side in n gives each image
   * exactly what a call for that image alone gives.
   */
  @ParameterizedTest
  @MethodSource("dev.backprop.tensor.Providers#both")
  void resultsAreBitReproducibleAndIndependentOfTheBlock(VectorizationProvider provider) {
    SplittableRandom random = new SplittableRandom(99);
    for (int trial = 0; trial < 40; trial++) {
      boolean transA = (trial & 1) != 0;
      boolean transB = (trial & 2) != 0;
      Case whole = Case.random(random, transA, transB, 1 + random.nextInt(20), 1 + random.nextInt(60),
          1 + random.nextInt(200), (trial & 4) != 0, true);
      float[] first = whole.run(provider);
      assertThat(whole.run(provider)).as("repeat %s", whole).isEqualTo(first);
      // Rows i0..i1 and columns j0..j1 alone, written into the same places of a copy of the old C.
      int i0 = random.nextInt(whole.m());
      int i1 = i0 + 1 + random.nextInt(whole.m() - i0);
      int j0 = random.nextInt(whole.n());
      int j1 = j0 + 1 + random.nextInt(whole.n() - j0);
      int aOffset = whole.aOffset() + i0 * (transA ? 1 : whole.lda());
      int bOffset = whole.bOffset() + j0 * (transB ? whole.ldb() : 1);
      float[] part = whole.c().clone();
      Gemm.gemm(provider.gemm(), transA, transB, i1 - i0, j1 - j0, whole.k(), whole.a(), aOffset, whole.lda(),
          whole.b(), bOffset, whole.ldb(), part, whole.cOffset() + i0 * whole.ldc() + j0, whole.ldc(),
          whole.accumulate());
      for (int i = i0; i < i1; i++) {
        for (int j = j0; j < j1; j++) {
          int idx = whole.cOffset() + i * whole.ldc() + j;
          assertThat(part[idx]).as("%s element (%d,%d) computed in block [%d,%d)x[%d,%d)", whole, i, j, i0, i1,
              j0, j1).isEqualTo(first[idx]);
        }
      }
    }
  }

  /**
   * Both kernels give, bit for bit, the canonical order written out plainly here (see {@code GemmKernel}): one fma
   * chain in p order. Lengths around vector boundaries, every layout, strided and row-offset operands, narrow
   * (n &lt;= 32) and wide products.
   */
  @ParameterizedTest
  @MethodSource("dev.backprop.tensor.Providers#both")
  void everyKernelSumsInTheCanonicalOrder(VectorizationProvider provider) {
    SplittableRandom random = new SplittableRandom(5);
    int[] lengths = {1, 7, 15, 16, 17, 47, 95, 96, 97, 111, 112, 113, 250, 847};
    for (int trial = 0; trial < 64; trial++) {
      boolean transA = (trial & 1) != 0;
      boolean transB = (trial & 2) != 0;
      int n = (trial & 16) != 0 ? 1 + random.nextInt(33) : 1 + random.nextInt(100);
      Case c = Case.random(random, transA, transB, 1 + random.nextInt(30), n, lengths[trial % lengths.length],
          (trial & 4) != 0, true);
      if ((trial & 8) != 0 && !transA) {
        c = c.withStridedRowOffsets();
      } else if ((trial & 32) != 0 && !transA && !transB) {
        c = c.withStridedARowOffsets();
      }
      float[] out = c.run(provider);
      float[] want = canonical(c);
      for (int idx = 0; idx < out.length; idx++) {
        assertThat(Float.floatToRawIntBits(out[idx])).as("%s index %d: %s vs canonical %s", c, idx, out[idx],
            want[idx]).isEqualTo(Float.floatToRawIntBits(want[idx]));
      }
    }
  }

  /** The canonical order, element by element, with nothing shared with the kernels. */
  static float[] canonical(Case c) {
    float[] out = c.c().clone();
    for (int i = 0; i < c.m(); i++) {
      for (int j = 0; j < c.n(); j++) {
        int idx = c.cOffset() + i * c.ldc() + j;
        float sum = c.accumulate() ? c.c()[idx] : 0f;
        for (int p = 0; p < c.k(); p++) {
          sum = Math.fma(c.a(i, p), c.b(p, j), sum);
        }
        out[idx] = sum;
      }
    }
    return out;
  }

  /**
   * Per-thread scratch (B^T copies) must not leak between threads: same bits as alone. The
   * results alone come from cold code, the threads' from code C2 has compiled meanwhile, so this also checks that
   * the summation order does not change with the JIT tier.
   */
  @ParameterizedTest
  @MethodSource("dev.backprop.tensor.Providers#both")
  void threadsCallingAtOnceGetWhatEachGetsAlone(VectorizationProvider provider) throws Exception {
    SplittableRandom random = new SplittableRandom(3);
    List<Case> cases = new ArrayList<>();
    for (int i = 0; i < 24; i++) {
      cases.add(Case.random(random, false, true, 1 + random.nextInt(20), 1 + random.nextInt(40),
          i % 2 == 0 ? 1 + random.nextInt(60) : 100 + random.nextInt(100), true, true));
    }
    List<float[]> alone = cases.stream().map(c -> c.run(provider)).toList();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Boolean>> agreed = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int shift = t;
        agreed.add(pool.submit(() -> {
          boolean same = true;
          for (int round = 0; round < 20; round++) {
            for (int i = 0; i < cases.size(); i++) {
              int index = (i + shift * 5 + round) % cases.size();
              same &= Arrays.equals(cases.get(index).run(provider), alone.get(index));
            }
          }
          return same;
        }));
      }
      for (Future<Boolean> result : agreed) {
        assertThat(result.get()).isTrue();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @ParameterizedTest
  @MethodSource("dev.backprop.tensor.Providers#both")
  void zeroSizesWriteZerosOrNothing(VectorizationProvider provider) {
    float[] c = {7, 7, 7, 7, 7};
    float[] none = new float[0];
    Gemm.gemm(provider.gemm(), false, false, 2, 2, 0, none, 0, 0, none, 0, 2, c, 1, 2, true);
    assertThat(c).containsExactly(7, 7, 7, 7, 7);
    Gemm.gemm(provider.gemm(), false, false, 2, 2, 0, none, 0, 0, none, 0, 2, c, 1, 2, false);
    assertThat(c).containsExactly(7, 0, 0, 0, 0);
    Gemm.gemm(provider.gemm(), false, false, 0, 5, 3, none, 0, 3, new float[15], 0, 5, none, 0, 5, false);
  }

  @Test
  void badArgumentsAreRejectedBeforeAnythingIsWritten() {
    float[] a = new float[6];
    float[] b = new float[6];
    float[] c = new float[4];
    assertThatThrownBy(() -> Gemm.gemm(false, false, -1, 2, 3, a, 0, 3, b, 0, 2, c, 0, 2, false))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("negative");
    assertThatThrownBy(() -> Gemm.gemm(false, false, 2, 2, 3, a, 0, 2, b, 0, 2, c, 0, 2, false))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("A: leading dimension 2 < row length 3");
    assertThatThrownBy(() -> Gemm.gemm(false, false, 2, 2, 3, a, 1, 3, b, 0, 2, c, 0, 2, false))
        .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("A:");
    assertThatThrownBy(() -> Gemm.gemm(false, true, 2, 2, 3, a, 0, 3, b, 0, 2, c, 0, 2, false))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("B: leading dimension 2 < row length 3");
    assertThatThrownBy(() -> Gemm.gemm(false, false, 2, 2, 3, a, 0, 3, b, 0, 2, c, 1, 2, false))
        .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("C:");
    float[] shared = new float[20];
    assertThatThrownBy(() -> Gemm.gemm(false, false, 2, 2, 3, shared, 0, 3, b, 0, 2, shared, 5, 2, false))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("C overlaps A");
    Gemm.gemm(false, false, 2, 2, 3, shared, 0, 3, b, 0, 2, shared, 6, 2, false); // disjoint parts: fine
    assertThat(c).containsOnly(0f);
  }

  @Test
  void providerNamesItsChoiceAndThePropertyForcesScalar() {
    assertThat(Gemm.implementationName()).isEqualTo(VectorizationProvider.getInstance().name()).isNotBlank();
    VectorizationProvider forced = VectorizationProvider.lookup("false");
    assertThat(forced.isVectorized()).isFalse();
    assertThat(forced.name()).isEqualTo("scalar (backprop.vector=false)");
    assertThat(VectorizationProvider.lookup(null).name())
        .isEqualTo(Providers.vector().name())
        .startsWith("vector: ");
  }
}
