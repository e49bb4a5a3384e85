package dev.backprop.tensor;

/**
 * A seeded, deterministic random number generator: SplitMix64 (Steele, Lea, Flood 2014; the generator behind
 * {@code java.util.SplittableRandom}). Element {@code i} (from 0) of the sequence of seed {@code s} is
 * {@code mix64(s + (i + 1) * GAMMA)}, so any element can be computed directly from (seed, index). That is
 * what makes randomness independent of how work is split over threads: a kernel that needs the random number
 * for (step, sample, element) derives a key with {@link #derive} and reads {@link #doubleAt}, without sharing
 * a mutable generator.
 *
 * <p>Not thread-safe: one instance per thread, or use the static counter-based functions.
 */
public final class Rng {
  /** The counter increment; with MIX1 and MIX2 also read by the vectorized keep mask ({@link PanamaKernels}). */
  static final long GAMMA = 0x9e3779b97f4a7c15L;
  static final long MIX1 = 0xbf58476d1ce4e5b9L;
  static final long MIX2 = 0x94d049bb133111ebL;
  /** Keeps derived keys apart from the sequence of the parent seed itself. */
  private static final long DERIVE_SALT = 0x632be59bd9b4e019L;
  private static final double DOUBLE_UNIT = 0x1.0p-53;
  private static final float FLOAT_UNIT = 0x1.0p-24f;

  private long state;

  public Rng(long seed) {
    this.state = seed;
  }

  /** The next 64 random bits. */
  public long nextLong() {
    state += GAMMA;
    return mix64(state);
  }

  /** Uniform in [0, 1), 24 random bits. */
  public float nextFloat() {
    return (nextLong() >>> 40) * FLOAT_UNIT;
  }

  /** Uniform in [0, 1), 53 random bits. */
  public double nextDouble() {
    return (nextLong() >>> 11) * DOUBLE_UNIT;
  }

  /** Uniform in [0, bound), unbiased (rejection sampling). */
  public int nextInt(int bound) {
    if (bound <= 0) {
      throw new IllegalArgumentException("bound must be positive: " + bound);
    }
    int r = (int) (nextLong() >>> 33);
    int m = bound - 1;
    if ((bound & m) == 0) {
      return r & m;
    }
    // Reject the top partial copy of [0, bound) in [0, 2^31), so every result is equally likely.
    for (int u = r; u - (r = u % bound) + m < 0; u = (int) (nextLong() >>> 33)) {
      // retry
    }
    return r;
  }

  /** Standard normal, by Box-Muller; consumes exactly two draws. */
  public double nextGaussian() {
    double u1 = 1.0 - nextDouble(); // (0, 1]: log is finite
    double u2 = nextDouble();
    return Math.sqrt(-2.0 * StrictMath.log(u1)) * StrictMath.cos(2.0 * Math.PI * u2);
  }

  /** Fills {@code a} with values uniform in [lo, hi). */
  public void uniform(float[] a, double lo, double hi) {
    uniform(a, 0, a.length, lo, hi);
  }

  /** Fills {@code a[offset .. offset+length)} with values uniform in [lo, hi). */
  public void uniform(float[] a, int offset, int length, double lo, double hi) {
    double width = hi - lo;
    for (int i = offset; i < offset + length; i++) {
      a[i] = (float) (lo + width * nextDouble());
    }
  }

  /** Fills {@code a} with normal values of the given mean and standard deviation. */
  public void gaussian(float[] a, double mean, double std) {
    for (int i = 0; i < a.length; i++) {
      a[i] = (float) (mean + std * nextGaussian());
    }
  }

  /** Fisher-Yates shuffle of the whole array. */
  public void shuffle(int[] a) {
    for (int i = a.length - 1; i > 0; i--) {
      int j = nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }

  /** A new generator seeded from this one's next output; this one advances by one draw. */
  public Rng split() {
    return new Rng(nextLong());
  }

  /** The generator of stream {@code index} of {@code seed}: {@code new Rng(derive(seed, index))}. */
  public static Rng stream(long seed, long index) {
    return new Rng(derive(seed, index));
  }

  /**
   * The key of child stream {@code index} of {@code seed}. Chain it for several coordinates, e.g.
   * {@code derive(derive(seed, step), sample)}. Different (seed, index) pairs give unrelated keys.
   */
  public static long derive(long seed, long index) {
    return mix64(mix64(seed ^ DERIVE_SALT) + (index + 1) * GAMMA);
  }

  /** Element {@code counter} (from 0) of the 64-bit sequence of {@code new Rng(key)}, without a generator. */
  public static long longAt(long key, long counter) {
    return mix64(key + (counter + 1) * GAMMA);
  }

  /** Same as the {@code counter}-th {@link #nextDouble()} of {@code new Rng(key)}. */
  public static double doubleAt(long key, long counter) {
    return (longAt(key, counter) >>> 11) * DOUBLE_UNIT;
  }

  /** The SplitMix64 finalizer (a variant of MurmurHash3's fmix64): a bijective 64-bit mix. */
  public static long mix64(long z) {
    z = (z ^ (z >>> 30)) * MIX1;
    z = (z ^ (z >>> 27)) * MIX2;
    return z ^ (z >>> 31);
  }
}
