package dev.backprop.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RngTest {

  @Test
  void isSplitMix64SoItMatchesSplittableRandom() {
    // SplittableRandom(seed).nextLong() is the same SplitMix64 step and mix: a known-answer test for free.
    for (long seed : new long[] {0, 1, -1, 42, 0x123456789abcdefL}) {
      Rng rng = new Rng(seed);
      SplittableRandom expected = new SplittableRandom(seed);
      for (int i = 0; i < 1000; i++) {
        assertThat(rng.nextLong()).isEqualTo(expected.nextLong());
      }
    }
  }

  @Test
  void sameSeedSameSequenceDifferentSeedDifferent() {
    Rng a = new Rng(5);
    Rng b = new Rng(5);
    Rng c = new Rng(6);
    int same = 0;
    for (int i = 0; i < 100; i++) {
      long x = a.nextLong();
      assertThat(b.nextLong()).isEqualTo(x);
      same += c.nextLong() == x ? 1 : 0;
    }
    assertThat(same).isZero();
  }

  @Test
  void uniformDrawsAreInRangeWithTheRightMoments() {
    Rng rng = new Rng(1);
    int n = 200_000;
    double sumF = 0;
    double sumD = 0;
    double sumD2 = 0;
    for (int i = 0; i < n; i++) {
      float f = rng.nextFloat();
      double d = rng.nextDouble();
      assertThat(f).isBetween(0f, Math.nextDown(1f));
      assertThat(d).isBetween(0.0, Math.nextDown(1.0));
      sumF += f;
      sumD += d;
      sumD2 += d * d;
    }
    // mean 1/2 and variance 1/12; the standard error of the mean is 0.29/√n ≈ 6.5e-4
    assertThat(sumF / n).isCloseTo(0.5, offset(0.004));
    assertThat(sumD / n).isCloseTo(0.5, offset(0.004));
    assertThat(sumD2 / n - Math.pow(sumD / n, 2)).isCloseTo(1.0 / 12, offset(0.002));
  }

  @Test
  void nextIntIsInRangeAndUniform() {
    Rng rng = new Rng(2);
    for (int bound : new int[] {1, 2, 7, 10, 16, 1000}) {
      int[] counts = new int[Math.min(bound, 10)];
      int n = 100_000;
      for (int i = 0; i < n; i++) {
        int v = rng.nextInt(bound);
        assertThat(v).isBetween(0, bound - 1);
        if (bound <= 10) {
          counts[v]++;
        }
      }
      if (bound <= 10) {
        // chi-square with bound − 1 degrees of freedom; 30 is far in the tail for ≤ 9 of them
        double expected = (double) n / bound;
        double chi2 = 0;
        for (int c : counts) {
          chi2 += (c - expected) * (c - expected) / expected;
        }
        assertThat(chi2).as("chi-square for bound %d", bound).isLessThan(30);
      }
    }
    assertThatThrownBy(() -> rng.nextInt(0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void gaussianHasMeanZeroAndVarianceOne() {
    Rng rng = new Rng(3);
    int n = 200_000;
    double sum = 0;
    double sum2 = 0;
    for (int i = 0; i < n; i++) {
      double g = rng.nextGaussian();
      sum += g;
      sum2 += g * g;
    }
    assertThat(sum / n).isCloseTo(0, offset(0.01));
    assertThat(sum2 / n).isCloseTo(1, offset(0.02));
  }

  @Test
  void uniformFillsTheWholeRange() {
    float[] a = new float[10_000];
    new Rng(4).uniform(a, -0.25, 0.75);
    float min = Float.MAX_VALUE;
    float max = -Float.MAX_VALUE;
    for (float v : a) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    assertThat(min).isBetween(-0.25f, -0.24f);
    assertThat(max).isBetween(0.74f, 0.75f);
  }

  @Test
  void streamsAreReproducibleRandomAccessAndUnrelated() {
    long seed = 99;
    Rng s3 = Rng.stream(seed, 3);
    long key = Rng.derive(seed, 3);
    for (int i = 0; i < 50; i++) {
      assertThat(s3.nextDouble()).isEqualTo(Rng.doubleAt(key, i));
    }
    // neighbouring streams, and a stream and its parent sequence, do not correlate
    int n = 100_000;
    assertThat(correlation(Rng.stream(seed, 0), Rng.stream(seed, 1), n)).isLessThan(0.02);
    assertThat(correlation(new Rng(seed), Rng.stream(seed, 0), n)).isLessThan(0.02);
    assertThat(correlation(Rng.stream(seed, 0), Rng.stream(seed + 1, 0), n)).isLessThan(0.02);
    assertThat(Rng.derive(seed, 0)).isNotEqualTo(Rng.derive(seed, 1)).isNotEqualTo(Rng.derive(seed + 1, 0));
  }

  private static double correlation(Rng a, Rng b, int n) {
    double sab = 0;
    for (int i = 0; i < n; i++) {
      sab += (a.nextDouble() - 0.5) * (b.nextDouble() - 0.5);
    }
    return Math.abs(sab / n) * 12; // divided by the variance 1/12
  }

  @Test
  void splitIsDeterministic() {
    Rng a = new Rng(8).split();
    Rng b = new Rng(8).split();
    assertThat(a.nextLong()).isEqualTo(b.nextLong());
  }

  @Test
  void shuffleIsAPermutation() {
    int[] a = new int[100];
    Arrays.setAll(a, i -> i);
    new Rng(9).shuffle(a);
    int[] sorted = a.clone();
    Arrays.sort(sorted);
    int[] identity = new int[100];
    Arrays.setAll(identity, i -> i);
    assertThat(sorted).isEqualTo(identity);
    assertThat(a).isNotEqualTo(identity);
  }
}
