package dev.backprop.bench;

import dev.backprop.tensor.Gemm;
import dev.backprop.tensor.Parallel;

/**
 * The machine's FMA peak, measured on the spot: every {@link Parallel#threads() thread} runs independent chains of
 * fused multiply-adds on the kernel's vectors with nothing to load or store ({@link Gemm#fmaChains}), for a
 * warm-up and then in short windows; the best window's GFLOP/s (2 flop per lane per multiply-add) is the peak. No
 * product of real data can beat it, so a model's GFLOP/s over it says how much of the arithmetic the CPU offers the
 * engine uses. Like {@link GemmCeiling}, the best window is the one least disturbed by other processes.
 */
public final class FmaPeak {
  /** Steps of the chains per chunk: 2^16 steps of 12 vectors, about 0.1 ms at 512 bits on a 3 GHz core. */
  private static final long STEPS = 1 << 16;

  /** The measurement: best GFLOP/s and how it was taken. */
  public record Measurement(double gflops, int threads, int lanes, int windows, double windowSeconds) {
    public String describe() {
      return "%d-lane fused multiply-adds on %d thread%s, best of %d windows of %.2f s".formatted(lanes, threads,
          threads == 1 ? "" : "s", windows, windowSeconds);
    }
  }

  private FmaPeak() {}

  /** Measures with a 0.3 s warm-up, best of 10 windows of 0.05 s. */
  public static Measurement measure() {
    return measure(0.3, 10, 0.05);
  }

  public static Measurement measure(double warmupSeconds, int windows, double windowSeconds) {
    int threads = Parallel.threads();
    float[] sink = new float[threads];
    // One chunk per thread, so that every thread runs the chains at once.
    Parallel.Body chains = (chunk, start, end, worker) -> sink[chunk] += Gemm.fmaChains(STEPS, chunk + 1f);
    run(chains, threads, (long) (warmupSeconds * 1e9));
    double best = 0;
    for (int w = 0; w < windows; w++) {
      long start = System.nanoTime();
      long rounds = run(chains, threads, (long) (windowSeconds * 1e9));
      double flop = (double) rounds * threads * STEPS * Gemm.fmaFlopsPerStep();
      best = Math.max(best, flop / (System.nanoTime() - start));
    }
    if (!Float.isFinite(sink[0])) {
      throw new IllegalStateException("FMA chains diverged: " + sink[0]);
    }
    return new Measurement(best, threads, Gemm.fmaLanes(), windows, windowSeconds);
  }

  /** Runs rounds of the chains on every thread until {@code nanos} have passed (at least one); returns how many. */
  private static long run(Parallel.Body chains, int threads, long nanos) {
    long start = System.nanoTime();
    long rounds = 0;
    do {
      Parallel.forRange(threads, 1, chains);
      rounds++;
    } while (System.nanoTime() - start < nanos);
    return rounds;
  }
}
