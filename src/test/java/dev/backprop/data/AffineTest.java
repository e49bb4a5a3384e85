package dev.backprop.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class AffineTest {
  private static final int N = 28;

  /** An asymmetric image: every pixel differs, so a wrong permutation cannot pass. */
  private static byte[] ramp(int rows, int cols) {
    byte[] image = new byte[rows * cols];
    for (int i = 0; i < image.length; i++) {
      image[i] = (byte) ((i * 37 + 11) % 256);
    }
    return image;
  }

  private static float[] warp(byte[] src, int rows, int cols, double degrees, double tx, double ty, double scale) {
    float[] dst = new float[rows * cols];
    Affine.warp(src, 0, rows, cols, degrees, tx, ty, scale, dst, 0);
    return dst;
  }

  @Test
  void rotatingByZeroIsTheIdentity() {
    byte[] src = ramp(N, N);
    float[] out = warp(src, N, N, 0, 0, 0, 1);
    for (int i = 0; i < src.length; i++) {
      assertThat(out[i]).isEqualTo(src[i] & 0xff);
    }
  }

  @Test
  void rotatingBy90DegreesIsTheExactPixelPermutation() {
    byte[] src = ramp(N, N);
    float[] ccw = warp(src, N, N, 90, 0, 0, 1);
    float[] cw = warp(src, N, N, -90, 0, 0, 1);
    float[] half = warp(src, N, N, 180, 0, 0, 1);
    for (int y = 0; y < N; y++) {
      for (int x = 0; x < N; x++) {
        // counter-clockwise: what was on the right (x = N-1-y in row x) comes up to the top
        assertThat(ccw[y * N + x]).isCloseTo(src[x * N + (N - 1 - y)] & 0xff, within(1e-3f));
        assertThat(cw[y * N + x]).isCloseTo(src[(N - 1 - x) * N + y] & 0xff, within(1e-3f));
        assertThat(half[y * N + x]).isCloseTo(src[(N - 1 - y) * N + (N - 1 - x)] & 0xff, within(1e-3f));
      }
    }
  }

  @Test
  void positiveAnglesTurnCounterClockwiseAboutTheImageCentre() {
    int n = 5; // centre pixel (2, 2)
    byte[] src = new byte[n * n];
    src[2 * n + 4] = (byte) 200; // right of centre
    float[] out = warp(src, n, n, 90, 0, 0, 1);
    assertThat(out[0 * n + 2]).isCloseTo(200f, within(1e-3f)); // now above the centre
  }

  @Test
  void integerTranslationShiftsAndFillsWithBlack() {
    byte[] src = ramp(N, N);
    float[] out = warp(src, N, N, 0, 3, -2, 1);
    for (int y = 0; y < N; y++) {
      for (int x = 0; x < N; x++) {
        int sy = y + 2;
        int sx = x - 3;
        float expected = sy < N && sx >= 0 ? src[sy * N + sx] & 0xff : 0;
        assertThat(out[y * N + x]).isEqualTo(expected);
      }
    }
  }

  @Test
  void scalingByTwoDoublesDistancesFromTheCentre() {
    int n = 9; // centre pixel (4, 4)
    byte[] src = new byte[n * n];
    src[4 * n + 5] = (byte) 100; // one pixel right of centre
    float[] out = warp(src, n, n, 0, 0, 0, 2);
    assertThat(out[4 * n + 6]).isCloseTo(100f, within(1e-3f)); // two pixels right
    assertThat(out[4 * n + 5]).isCloseTo(50f, within(1e-3f)); // halfway: bilinear
  }

  @Test
  void halfPixelSamplesAverageTheirNeighbours() {
    byte[] src = {0, 100, 40, 60};
    assertThat(Affine.bilinear(src, 0, 2, 2, 0.5, 0)).isCloseTo(50f, within(1e-6f));
    assertThat(Affine.bilinear(src, 0, 2, 2, 0.5, 0.5)).isCloseTo(50f, within(1e-6f));
    assertThat(Affine.bilinear(src, 0, 2, 2, -0.5, 0)).isCloseTo(0f, within(1e-6f)); // half outside: black
    assertThat(Affine.bilinear(src, 0, 2, 2, 1.5, 1)).isCloseTo(30f, within(1e-6f));
    assertThat(Affine.bilinear(src, 0, 2, 2, Double.NaN, 0)).isZero();
  }

  @Test
  void smallRotationsOfACentredDigitKeepItsInk() {
    byte[] src = new byte[N * N];
    for (int y = 0; y < N; y++) {
      for (int x = 0; x < N; x++) {
        double d2 = (y - 13.5) * (y - 13.5) + (x - 12) * (x - 12) / 0.3;
        src[y * N + x] = (byte) Math.round(255 * Math.exp(-d2 / 30)); // an upright stroke, like a "1"
      }
    }
    double before = 0;
    for (byte b : src) {
      before += b & 0xff;
    }
    for (double degrees : new double[] {-7, -3.3, 2, 7}) {
      float[] out = warp(src, N, N, degrees, 0, 0, 1);
      double after = 0;
      for (float v : out) {
        after += v;
      }
      assertThat(after).isCloseTo(before, within(before * 0.01));
    }
  }
}
