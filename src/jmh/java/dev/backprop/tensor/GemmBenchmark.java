package dev.backprop.tensor;

import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;

/**
 * {@link Gemm} on the CNN's shapes, vector against scalar kernel. {@link #main} runs JMH with the usual command-line
 * options and then prints GFLOP/s (2 m n k per call) per shape and the vector/scalar ratio; see docs/benchmarks.md.
 * Sample-time mode: every call is timed, so the fastest and the median call can be told apart on a busy machine.
 *
 * <p>Shape names are {@code LAYOUT:m x n x k}: NN is the conv forward (W times im2col columns) and, with n the
 * output channels, the weight gradient (im2col columns times dOut transposed, accumulating), TN the input gradient
 * (W transposed times dOut), NT Linear's forward. RO and ARO are NN with B's rows, or A's, read in place as the
 * 3 x 3 windows of a stride-1 convolution ({@link Gemm#gemmRowOffsets}, {@link Gemm#gemmARowOffsets}): taps / 9
 * input planes of W x W with the output at the input's pitch, (W - 2) W columns (RO:16x528x144 is ref15k's
 * 16 -&gt; 16 conv on 24 x 24 planes, ARO:144x16x528 its weight gradient).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 8, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class GemmBenchmark {

  @Param({
    "NN:16x484x144", "NN:16x576x144", "NN:8x676x9", "NN:32x9x144", "NN:10x9x32", "NN:32x576x288",
    "NN:16x3872x144",
    "NN:144x16x484", "NN:9x8x676", "NN:144x32x9", "NN:288x32x576", "NT:128x10x32",
    "TN:144x484x16", "TN:72x676x8", "TN:288x9x32",
    "NN:16x528x144", "RO:16x528x144", "NN:144x16x528", "ARO:144x16x528"
  })
  public String shape;

  @Param({"vector", "scalar"})
  public String impl;

  private GemmKernel kernel;
  private boolean transA;
  private boolean transB;
  private boolean accumulate;
  private int m;
  private int n;
  private int k;
  /** B's row starts for RO, A's for ARO, otherwise null. */
  private int[] rowOffsets;
  private boolean tableOfA;
  private float[] a;
  private float[] b;
  private float[] c;

  @Setup
  public void setUp() {
    VectorizationProvider provider =
        impl.equals("vector") ? VectorizationProvider.vectorIfUsable() : VectorizationProvider.scalar();
    if (impl.equals("vector") && !provider.isVectorized()) {
      throw new IllegalStateException("no vector kernel here: " + provider.name());
    }
    kernel = provider.gemm();
    String layout = shape.substring(0, shape.indexOf(':'));
    transA = layout.charAt(0) == 'T';
    transB = layout.startsWith("NT");
    tableOfA = layout.equals("ARO");
    int[] mnk = dims(shape);
    m = mnk[0];
    n = mnk[1];
    k = mnk[2];
    // The weight gradients (n = output channels, at most 32) accumulate.
    accumulate = layout.equals("ARO") || layout.equals("NN") && n <= 32;
    SplittableRandom random = new SplittableRandom(1);
    if (tableOfA) {
      rowOffsets = windows(m, k);
      // Each channel's plane is W x W, and the last window reads 2 elements past the last plane.
      a = randoms(random, rowOffsets[rowOffsets.length - 1] + k);
      b = randoms(random, k * n);
    } else if (layout.equals("RO")) {
      a = randoms(random, m * k);
      rowOffsets = windows(k, n);
      b = randoms(random, rowOffsets[rowOffsets.length - 1] + n);
    } else {
      a = randoms(random, m * k);
      b = randoms(random, k * n);
    }
    c = randoms(random, m * n);
  }

  /** The row starts c W^2 + ki W + kj of the 3 x 3 windows over taps / 9 planes of W x W, (W - 2) W columns. */
  private static int[] windows(int taps, int columns) {
    int width = 1 + (int) Math.round(Math.sqrt(columns + 1));
    if (taps % 9 != 0 || (width - 2) * width != columns) {
      throw new IllegalArgumentException("not 3 x 3 windows over W x W planes: " + taps + " x " + columns);
    }
    int[] offsets = new int[taps];
    for (int tap = 0; tap < taps; tap++) {
      int channel = tap / 9;
      offsets[tap] = channel * width * width + (tap % 9 / 3) * width + tap % 3;
    }
    return offsets;
  }

  @Benchmark
  public float[] gemm() {
    if (tableOfA) {
      Gemm.gemmARowOffsets(kernel, m, n, k, a, 0, rowOffsets, b, 0, n, c, 0, n, accumulate);
    } else if (rowOffsets != null) {
      Gemm.gemmRowOffsets(kernel, false, m, n, k, a, 0, k, b, 0, rowOffsets, c, 0, n, accumulate);
    } else {
      Gemm.gemm(kernel, transA, transB, m, n, k, a, 0, transA ? m : k, b, 0, transB ? k : n, c, 0, n, accumulate);
    }
    return c;
  }

  private static int[] dims(String shape) {
    String[] parts = shape.substring(shape.indexOf(':') + 1).split("x");
    return new int[] {Integer.parseInt(parts[0]), Integer.parseInt(parts[1]), Integer.parseInt(parts[2])};
  }

  private static float[] randoms(SplittableRandom random, int size) {
    float[] x = new float[size];
    for (int i = 0; i < size; i++) {
      // Small values so that accumulating into C for a long run stays far from overflow.
      x[i] = (float) (random.nextDouble() - 0.5) * 1e-3f;
    }
    return x;
  }

  /**
   * Runs JMH with the given options and prints GFLOP/s per shape from the sampled call times: at the median call
   * and at the fastest one. On a shared machine the median includes time lost to other processes; the fastest
   * call is close to what the kernel does on an idle core.
   */
  public static void main(String[] args) throws Exception {
    Map<String, double[]> gflops = KernelTimes.byParameter(new Runner(new CommandLineOptions(args)).run(), "shape");
    for (Map.Entry<String, double[]> entry : gflops.entrySet()) {
      int[] mnk = dims(entry.getKey());
      double megaflop = 2e-3 * mnk[0] * mnk[1] * mnk[2]; // per call; MFLOP per microsecond = GFLOP/s
      double[] row = entry.getValue();
      for (int i = 0; i < row.length; i++) {
        row[i] = megaflop / row[i];
      }
    }
    System.out.println();
    System.out.println("| layout:m x n x k | vector GFLOP/s median (best) | scalar GFLOP/s median (best) "
        + "| vector / scalar (medians) |");
    System.out.println("|---|---:|---:|---:|");
    for (Map.Entry<String, double[]> entry : gflops.entrySet()) {
      double[] g = entry.getValue();
      System.out.println(String.format(Locale.ROOT, "| %s | %.1f (%.1f) | %.1f (%.1f) | %.1fx |", entry.getKey(), g[0],
          g[1], g[2], g[3], g[0] / g[2]));
    }
  }
}
