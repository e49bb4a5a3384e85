package dev.backprop.data;

/** The order samples are visited in: a permutation that depends only on (seed, epoch, size). */
public final class Shuffle {
  private static final long STREAM = 0x73687566666c65L; // "shuffle"

  private Shuffle() {}

  /** A Fisher-Yates permutation of 0..n-1 for this seed and epoch. */
  public static int[] permutation(long seed, int epoch, int n) {
    int[] order = identity(n);
    SplitMix64 random = SplitMix64.forKey(seed, STREAM, epoch);
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int swap = order[i];
      order[i] = order[j];
      order[j] = swap;
    }
    return order;
  }

  /** 0..n-1 in order: the unshuffled visit order. */
  public static int[] identity(int n) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    return order;
  }
}
