package dev.backprop.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.backprop.tensor.GemmTest.Case;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Gemm#gemmRowOffsets} and {@link Gemm#gemmARowOffsets} on both kernels: against the double
 * reference within the bound explained in {@link GemmTest} (the row-offset products sum in the same orders as the
 * plain ones, so the same bound holds), and bit for bit against the plain product on the same rows copied out.
 */
class GemmRowOffsetsTest {

  /**
   * The convolution's products with B's rows read in place: {@code channels} planes of height x width, a window x
   * window kernel at stride 1, the output at the input's pitch ((height - window + 1) width columns, of which the
   * last window - 1 of each row wrap into the next row, as the layer's wide output does). Row (c, ki, kj) of the
   * windows starts at c plane + ki width + kj, so neighbouring rows overlap in all but one element. Not transposed
   * (forward, input gradient): C[m x columns] = A[m x taps] windows. Transposed (weight gradient):
   * C[m x taps] += A[m x columns] windows^T.
   */
  static Case windows(SplittableRandom random, boolean transB, int m, int channels, int height, int width,
      int window, boolean accumulate) {
    int plane = height * width;
    int taps = channels * window * window;
    int columns = (height - window + 1) * width;
    int[] offsets = new int[taps];
    for (int c = 0; c < channels; c++) {
      for (int ki = 0; ki < window; ki++) {
        for (int kj = 0; kj < window; kj++) {
          offsets[(c * window + ki) * window + kj] = c * plane + ki * width + kj;
        }
      }
    }
    int n = transB ? taps : columns;
    int k = transB ? columns : taps;
    int lda = k + random.nextInt(3);
    int aOffset = random.nextInt(5);
    int bOffset = random.nextInt(5);
    int ldc = n + random.nextInt(3);
    int cOffset = random.nextInt(5);
    float[] a = GemmTest.randoms(random, aOffset + m * lda);
    // The last window reads window - 1 elements past the last plane: the layer pads its input buffer by as much.
    float[] b = GemmTest.randoms(random, bOffset + channels * plane + window - 1 + random.nextInt(3));
    float[] c = Case.oldC(random, m, n, cOffset, ldc, random.nextInt(3), accumulate);
    return new Case(false, transB, m, n, k, aOffset, lda, null, bOffset, 0, offsets, cOffset, ldc, accumulate, a, b,
        c);
  }

  /**
   * The weight gradient with A's rows read in place: C[taps x n] += windows · B[columns x n], row (c, ki, kj) of
   * the windows at c plane + ki width + kj of {@code channels} planes of height x width, n = output channels.
   */
  static Case windowsOfA(SplittableRandom random, int n, int channels, int height, int width, int window,
      boolean accumulate) {
    Case plain = windows(random, true, n, channels, height, width, window, accumulate);
    // The transposed product of windows(): its B (the planes) and table become A's, a random B of k x n.
    int k = plain.k();
    int m = plain.n();
    int ldb = n + random.nextInt(3);
    int bOffset = random.nextInt(5);
    int ldc = n + random.nextInt(3);
    int cOffset = random.nextInt(5);
    float[] b = GemmTest.randoms(random, bOffset + k * ldb);
    float[] c = Case.oldC(random, m, n, cOffset, ldc, random.nextInt(3), accumulate);
    return new Case(false, false, m, n, k, plain.bOffset(), 0, plain.rowOffsets(), bOffset, ldb, null, cOffset, ldc,
        accumulate, plain.b(), b, c);
  }

  @ParameterizedTest
  @MethodSource("dev.backprop.tensor.Providers#both")
  void windowsAsRowsOfAMatchTheReferenceAndTheCopiedRowsBitForBit(VectorizationProvider provider) {
    SplittableRandom random = new SplittableRandom(43);
    for (int trial = 0; trial < 120; trial++) {
      int window = trial % 5 == 4 ? 1 + random.nextInt(2) : 3;
      // n from 1 to 40: the vector kernel's narrow tiles (n <= 2L) and wide strips, full and masked.
      Case c = windowsOfA(random, 1 + random.nextInt(40), 1 + random.nextInt(4), window + random.nextInt(15 - window),
          window + random.nextInt(15 - window), window, (trial & 2) != 0);
      float[] out = c.run(provider);
      c.check(out, provider.name());
      assertThat(out).as("%s against im2col", c).isEqualTo(c.withStridedCopyOfA().run(provider));
    }
  }

  @ParameterizedTest
  @MethodSource("dev.backprop.tensor.Providers#both")
  void windowsOfPlanesMatchTheReferenceAndTheCopiedRowsBitForBit(VectorizationProvider provider) {
    SplittableRandom random = new SplittableRandom(42);
    for (int trial = 0; trial < 120; trial++) {
      boolean transB = (trial & 1) != 0;
      int window = trial % 5 == 4 ? 1 + random.nextInt(2) : 3;
      // Heights and widths up to 14 give row lengths from 1 to 168: column counts fall on and off the vector
      // kernel's strips.
      Case c = windows(random, transB, 1 + random.nextInt(20), 1 + random.nextInt(4),
          window + random.nextInt(15 - window), window + random.nextInt(15 - window), window, (trial & 2) != 0);
      float[] out = c.run(provider);
      c.check(out, provider.name());
      assertThat(out).as("%s against im2col", c).isEqualTo(c.withStridedCopyOfB().run(provider));
    }
  }

  /** Tables in any order, with repeated and far-apart rows. */
  @ParameterizedTest
  @MethodSource("dev.backprop.tensor.Providers#both")
  void arbitraryTablesMatchTheReference(VectorizationProvider provider) {
    SplittableRandom random = new SplittableRandom(17);
    for (int trial = 0; trial < 120; trial++) {
      boolean transB = (trial & 1) != 0;
      boolean tableOfA = !transB && (trial & 4) != 0;
      int m = 1 + random.nextInt(30);
      int n = 1 + random.nextInt(60);
      int k = trial % 4 == 3 ? 90 + random.nextInt(100) : 1 + random.nextInt(40);
      int rows = tableOfA ? m : transB ? n : k;
      int rowLength = tableOfA ? k : transB ? k : n;
      int span = 1 + random.nextInt(3 * rows * rowLength);
      int[] offsets = new int[rows + random.nextInt(3)];
      for (int r = 0; r < offsets.length; r++) {
        offsets[r] = random.nextInt(span);
      }
      int offset = random.nextInt(4);
      float[] rowsArray = GemmTest.randoms(random, offset + span - 1 + rowLength + random.nextInt(3));
      Case plain = Case.random(random, false, transB, m, n, k, (trial & 2) != 0, true);
      Case c = tableOfA ? plain.withARowOffsets(rowsArray, offset, offsets)
          : plain.withRowOffsets(rowsArray, offset, offsets);
      c.check(c.run(provider), provider.name());
    }
  }

  /** rowOffsets[r] = r * ldb is the plain product itself, in every summation path of both kernels. */
  @ParameterizedTest
  @MethodSource("dev.backprop.tensor.Providers#both")
  void stridedTablesGiveTheBitsOfThePlainProduct(VectorizationProvider provider) {
    SplittableRandom random = new SplittableRandom(8);
    for (int trial = 0; trial < 80; trial++) {
      boolean transB = (trial & 1) != 0;
      int k = trial % 3 == 2 ? 96 + random.nextInt(120) : 1 + random.nextInt(95);
      Case plain = Case.random(random, false, transB, 1 + random.nextInt(33), 1 + random.nextInt(60), k,
          (trial & 2) != 0, true);
      assertThat(plain.withStridedRowOffsets().run(provider)).as("%s", plain).isEqualTo(plain.run(provider));
      if (!transB) {
        assertThat(plain.withStridedARowOffsets().run(provider)).as("A table %s", plain)
            .isEqualTo(plain.run(provider));
      }
    }
  }

  @Test
  void badTablesAreRejectedBeforeAnythingIsWritten() {
    float[] a = new float[6];
    float[] b = new float[10];
    float[] c = new float[4];
    // 2 x 3 A times 3 rows of length 2 from b.
    assertThatThrownBy(() -> Gemm.gemmRowOffsets(2, 2, 3, a, 0, 3, b, 0, new int[] {0, 1}, c, 0, 2, false))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("rowOffsets has 2 entries, B has 3 rows");
    assertThatThrownBy(() -> Gemm.gemmRowOffsets(2, 2, 3, a, 0, 3, b, 0, new int[] {0, 9, 1}, c, 0, 2, false))
        .isInstanceOf(IndexOutOfBoundsException.class)
        .hasMessage("B: row 1 of length 2 at offset 0 + 9 needs indices 9..10, array length is 10");
    assertThatThrownBy(() -> Gemm.gemmRowOffsets(2, 2, 3, a, 0, 3, b, 1, new int[] {0, -2, 1}, c, 0, 2, false))
        .isInstanceOf(IndexOutOfBoundsException.class).hasMessageStartingWith("B: row 1 of length 2 at offset 1 + -2");
    // A's rows of length 3 from b, times a 3 x 2 B.
    assertThatThrownBy(() -> Gemm.gemmARowOffsets(2, 2, 3, b, 0, new int[] {8, 0}, a, 0, 2, c, 0, 2, false))
        .isInstanceOf(IndexOutOfBoundsException.class).hasMessageStartingWith("A: row 0 of length 3 at offset 0 + 8");
    assertThatThrownBy(() -> Gemm.gemmARowOffsets(2, 2, 3, b, 0, new int[] {0}, a, 0, 2, c, 0, 2, false))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("rowOffsets has 1 entries, A has 2 rows");
    assertThatThrownBy(() -> Gemm.gemmRowOffsets(2, 2, 3, a, 0, 2, b, 0, new int[] {0, 1, 2}, c, 0, 2, false))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("A: leading dimension 2 < row length 3");
    assertThatThrownBy(() -> Gemm.gemmRowOffsets(-1, 2, 3, a, 0, 3, b, 0, new int[] {0, 1, 2}, c, 0, 2, false))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("negative");
    // C inside the span of B's rows, even in a gap between them: B's rows 0..1 and 8..9, C at 4..7.
    float[] shared = new float[10];
    assertThatThrownBy(() -> Gemm.gemmRowOffsets(2, 2, 2, a, 0, 3, shared, 0, new int[] {0, 8}, shared, 4, 2, false))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("C overlaps B");
    assertThat(c).containsOnly(0f);
    assertThat(shared).containsOnly(0f);
    assertThat(b).containsOnly(0f);
  }

  @ParameterizedTest
  @MethodSource("dev.backprop.tensor.Providers#both")
  void zeroSizesWriteZerosOrNothing(VectorizationProvider provider) {
    float[] c = {7, 7, 7, 7, 7};
    float[] none = new float[0];
    // k = 0: no rows, so an empty table is enough.
    Gemm.gemmRowOffsets(provider.gemm(), false, 2, 2, 0, none, 0, 0, none, 0, new int[0], c, 1, 2, true);
    assertThat(c).containsExactly(7, 7, 7, 7, 7);
    Gemm.gemmRowOffsets(provider.gemm(), false, 2, 2, 0, none, 0, 0, none, 0, new int[0], c, 1, 2, false);
    assertThat(c).containsExactly(7, 0, 0, 0, 0);
    // n = 0 rows of length 3 read nothing, wherever the table points.
    Gemm.gemmRowOffsets(provider.gemm(), true, 2, 0, 3, new float[6], 0, 3, none, 0, new int[0], none, 0, 0, false);
  }
}
