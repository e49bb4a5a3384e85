package dev.backprop.bench;

import dev.backprop.tensor.Gemm;
import dev.backprop.tensor.Parallel;
import dev.backprop.tensor.Rng;

/**
 * A float32 ceiling measured on this machine with our own kernel: {@code C[n x n] = A[n x n] B[n x n]} through
 * {@link Gemm#gemm}, rows of C split over all {@link Parallel#threads()} threads, called back to back for a
 * warm-up and then in short windows. The best window's GFLOP/s (2 n^3 flop per product) is the ceiling: on a
 * shared machine the best window is the one least disturbed by other processes. What a model reaches is reported
 * as a share of it: it says how far the layers are from the kernel's own speed on a large, friendly product.
 */
public final class GemmCeiling {
  /**
   * The side of the square product: 256 (3.4 · 10^7 flop, 0.8 MB of operands). Measured on the 2-core Zen 3
   * development machine, 512 ran at 50 to 80 % of 256's rate (operands outside L2), so 256 is the friendlier
   * ceiling.
   */
  public static final int SIZE = 256;

  /** The measurement: best GFLOP/s and how it was taken. */
  public record Measurement(double gflops, int size, int threads, int windows, double windowSeconds) {
    public String describe() {
      return "%dx%dx%d Gemm on %d thread%s, best of %d windows of %.1f s".formatted(size, size, size, threads,
          threads == 1 ? "" : "s", windows, windowSeconds);
    }
  }

  private GemmCeiling() {}

  /** Measures with {@link #SIZE}: 0.5 s warm-up, best of 10 windows of 0.1 s. */
  public static Measurement measure() {
    return measure(SIZE, 0.5, 10, 0.1);
  }

  public static Measurement measure(int size, double warmupSeconds, int windows, double windowSeconds) {
    float[] a = new float[size * size];
    float[] b = new float[size * size];
    float[] c = new float[size * size];
    Rng rng = new Rng(1);
    rng.uniform(a, -1, 1);
    rng.uniform(b, -1, 1);
    int threads = Parallel.threads();
    int grain = Parallel.grainFor(size, 4 * threads); // a few chunks per thread, so a late thread catches up
    Parallel.Body rows = (chunk, start, end, worker) ->
        Gemm.gemm(false, false, end - start, size, size, a, start * size, size, b, 0, size, c, start * size, size,
            false);
    run(rows, size, grain, (long) (warmupSeconds * 1e9));
    double best = 0;
    for (int w = 0; w < windows; w++) {
      long start = System.nanoTime();
      long products = run(rows, size, grain, (long) (windowSeconds * 1e9));
      best = Math.max(best, gflops(products, size, System.nanoTime() - start));
    }
    return new Measurement(best, size, threads, windows, windowSeconds);
  }

  /** GFLOP/s of {@code products} n x n x n products (2 n^3 flop each) in {@code nanos} nanoseconds. */
  static double gflops(long products, int size, long nanos) {
    return products * 2.0 * size * size * size / nanos;
  }

  /** Runs products until {@code nanos} have passed (at least one); returns how many ran. */
  private static long run(Parallel.Body rows, int size, int grain, long nanos) {
    long start = System.nanoTime();
    long products = 0;
    do {
      Parallel.forRange(size, grain, rows);
      products++;
    } while (System.nanoTime() - start < nanos);
    return products;
  }
}
