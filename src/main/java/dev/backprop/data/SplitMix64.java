package dev.backprop.data;

/**
 * SplitMix64 (Steele, Lea, Flood 2014): a tiny seeded generator whose stream is fixed by its seed, on every JDK
 * and whatever the thread. {@link #forKey} derives an independent stream from a seed and a few integers (stream,
 * epoch, sample index), so a random choice can depend on exactly those and nothing else.
 */
final class SplitMix64 {
  private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;

  private long state;

  SplitMix64(long seed) {
    this.state = seed;
  }

  /** A generator whose stream depends only on {@code seed} and the {@code keys}, in order. */
  static SplitMix64 forKey(long seed, long... keys) {
    long s = mix(seed);
    for (long key : keys) {
      s = mix(s ^ mix(key + GOLDEN_GAMMA));
    }
    return new SplitMix64(s);
  }

  /** The SplitMix64 finaliser (a bijection on 64-bit values with good avalanche). */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  long nextLong() {
    state += GOLDEN_GAMMA;
    return mix(state);
  }

  /** Uniform in [0, 1) with 53 random bits. */
  double nextDouble() {
    return (nextLong() >>> 11) * 0x1.0p-53;
  }

  /** Uniform in [lo, hi). */
  double nextDouble(double lo, double hi) {
    return lo + (hi - lo) * nextDouble();
  }

  /** Uniform in [0, bound): java.util.Random's rejection method on 31 random bits, so no modulo bias. */
  int nextInt(int bound) {
    if (bound <= 0) {
      throw new IllegalArgumentException("bound must be positive: " + bound);
    }
    int u = (int) (nextLong() >>> 33);
    int r = u % bound;
    while (u - r + (bound - 1) < 0) { // u fell in the incomplete last block of the 2^31 range
      u = (int) (nextLong() >>> 33);
      r = u % bound;
    }
    return r;
  }
}
