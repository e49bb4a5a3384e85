package dev.backprop.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ShuffleTest {
  @Test
  void splitMix64MatchesTheReferenceStream() {
    SplitMix64 random = new SplitMix64(0);
    // first outputs of the reference C implementation seeded with 0
    assertThat(random.nextLong()).isEqualTo(0xe220a8397b1dcdafL);
    assertThat(random.nextLong()).isEqualTo(0x6e789e6aa1b965f4L);
  }

  @Test
  void isAPermutation() {
    int[] order = Shuffle.permutation(42, 3, 1000);
    int[] sorted = order.clone();
    Arrays.sort(sorted);
    assertThat(sorted).isEqualTo(Shuffle.identity(1000));
    assertThat(order).isNotEqualTo(Shuffle.identity(1000));
  }

  @Test
  void dependsOnlyOnSeedAndEpoch() {
    assertThat(Shuffle.permutation(42, 3, 500)).isEqualTo(Shuffle.permutation(42, 3, 500));
    assertThat(Shuffle.permutation(42, 3, 500)).isNotEqualTo(Shuffle.permutation(42, 4, 500));
    assertThat(Shuffle.permutation(42, 3, 500)).isNotEqualTo(Shuffle.permutation(43, 3, 500));
  }

  @Test
  void smallSizes() {
    assertThat(Shuffle.permutation(1, 0, 0)).isEmpty();
    assertThat(Shuffle.permutation(1, 0, 1)).containsExactly(0);
  }

  @Test
  void everyPositionIsReachedEvenly() {
    int n = 10;
    int[] firstCounts = new int[n];
    for (int epoch = 0; epoch < 10_000; epoch++) {
      firstCounts[Shuffle.permutation(7, epoch, n)[0]]++;
    }
    for (int count : firstCounts) {
      assertThat(count).isBetween(850, 1150); // 1000 expected; about 5 standard deviations
    }
  }
}
