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
 * {@link Kernels} as the layers call it on one batch of ref15k (128 images), vector against scalar kernel, one
 * thread. {@link #main} runs JMH with the usual command-line options, then prints the median and the fastest call
 * per op, and nanoseconds per input element at the median; see docs/benchmarks.md.
 *
 * <p>Ops are {@code name:N x C x H x W} of the layer's input: ReLU forward and backward, BatchNorm2d forward (per
 * channel: sum, squared deviations, normalize) and backward (per channel: the two sums, then dx), 2x2 max pooling
 * forward and backward, and dropout (keep mask, then the scaling) as in ref15k after the pooling.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 8, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class KernelsBenchmark {

  @Param({
    "relu:128x16x24x24", "reluBackward:128x16x24x24", "batchNorm:128x16x24x24", "batchNormBackward:128x16x24x24",
    "maxPool:128x16x22x22", "maxPoolBackward:128x16x22x22", "dropout:128x16x11x11"
  })
  public String op;

  @Param({"vector", "scalar"})
  public String impl;

  private KernelSet kernel;
  private String name;
  private int n;
  private int c;
  private int hw;
  private int h;
  private int w;
  private float[] x;
  private float[] dy;
  private float[] y;
  private float[] dx;
  private byte[] window;
  private final double[] sums = new double[2];

  @Setup
  public void setUp() {
    VectorizationProvider provider =
        impl.equals("vector") ? VectorizationProvider.vectorIfUsable() : VectorizationProvider.scalar();
    if (impl.equals("vector") && !provider.isVectorized()) {
      throw new IllegalStateException("no vector kernel here: " + provider.name());
    }
    kernel = provider.kernels();
    name = op.substring(0, op.indexOf(':'));
    int[] dims = dims(op);
    n = dims[0];
    c = dims[1];
    h = dims[2];
    w = dims[3];
    hw = h * w;
    SplittableRandom random = new SplittableRandom(1);
    x = gaussians(random, n * c * hw);
    dy = gaussians(random, n * c * hw);
    y = new float[n * c * hw];
    dx = new float[n * c * hw];
    window = new byte[n * c * hw / 4];
    kernel.maxPool2x2(x, y, window, 0, n * c, h, w);
  }

  @Benchmark
  public float[] kernel() {
    int size = n * c * hw;
    int stride = c * hw;
    switch (name) {
      case "relu" -> kernel.relu(x, y, 0, size);
      case "reluBackward" -> kernel.reluBackward(dy, x, dx, 0, size);
      case "batchNorm" -> {
        for (int ch = 0; ch < c; ch++) {
          double mean = kernel.sum(x, ch * hw, n, stride, hw) / (n * hw);
          double var = kernel.sumSquaredDeviations(x, mean, ch * hw, n, stride, hw) / (n * hw);
          kernel.batchNorm(x, (float) mean, (float) (1 / Math.sqrt(var + 1e-5)), 1f, 0f, y, ch * hw, n, stride,
              hw);
        }
      }
      case "batchNormBackward" -> {
        for (int ch = 0; ch < c; ch++) {
          kernel.batchNormSums(dy, x, 0.1f, 1.1f, ch * hw, n, stride, hw, sums, 0);
          kernel.batchNormBackward(dy, x, 0.1f, 1.1f, 0.9f, (float) (sums[0] / (n * hw)),
              (float) (sums[1] / (n * hw)), false, dx, ch * hw, n, stride, hw);
        }
      }
      case "maxPool" -> kernel.maxPool2x2(x, y, window, 0, n * c, h, w);
      case "maxPoolBackward" -> kernel.maxPool2x2Backward(dy, window, dx, 0, n * c, h, w);
      case "dropout" -> {
        for (int s = 0; s < n; s++) {
          kernel.keepMask(Rng.derive(7, s), 0.05, dx, s * stride, stride);
        }
        kernel.multiply(x, dx, 1 / 0.95f, y, 0, size);
      }
      default -> throw new IllegalArgumentException(op);
    }
    return y;
  }

  private static int[] dims(String op) {
    String[] parts = op.substring(op.indexOf(':') + 1).split("x");
    int[] dims = new int[parts.length];
    for (int i = 0; i < parts.length; i++) {
      dims[i] = Integer.parseInt(parts[i]);
    }
    return dims;
  }

  private static float[] gaussians(SplittableRandom random, int size) {
    float[] x = new float[size];
    for (int i = 0; i < size; i++) {
      double radius = Math.sqrt(-2 * Math.log(1 - random.nextDouble()));
      x[i] = (float) (radius * Math.cos(2 * Math.PI * random.nextDouble()));
    }
    return x;
  }

  /**
   * Runs JMH with the given options and prints, per op, the median and the fastest call for each kernel, and the
   * nanoseconds per input element at the median.
   */
  public static void main(String[] args) throws Exception {
    Map<String, double[]> micros = KernelTimes.byParameter(new Runner(new CommandLineOptions(args)).run(), "op");
    System.out.println();
    System.out.println("| op:N x C x H x W | vector µs median (best) | ns/element | scalar µs median (best) "
        + "| ns/element | scalar / vector (medians) |");
    System.out.println("|---|---:|---:|---:|---:|---:|");
    for (Map.Entry<String, double[]> entry : micros.entrySet()) {
      double[] t = entry.getValue();
      int[] dims = dims(entry.getKey());
      double elements = (double) dims[0] * dims[1] * dims[2] * dims[3];
      System.out.println(String.format(Locale.ROOT, "| %s | %.0f (%.0f) | %.2f | %.0f (%.0f) | %.2f | %.1fx |",
          entry.getKey(), t[0], t[1], 1e3 * t[0] / elements, t[2], t[3], 1e3 * t[2] / elements, t[2] / t[0]));
    }
  }
}
