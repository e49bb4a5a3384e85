package dev.backprop.layers;

import dev.backprop.tensor.Parallel;
import dev.backprop.tensor.Rng;
import dev.backprop.tensor.Tensor;
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

/**
 * The convolutions of ref15k (and one padded one) on a batch of 128, forward and backward (weight, bias and input
 * gradients), on one thread so that the numbers are the kernels' and not the scheduler's. {@code layer} is
 * {@code Cin x Cout x H x W [p padding]} of the input. Reading: 2·MACs per call over the time gives GFLOP/s for
 * forward, twice that for backward; see docs/benchmarks.md.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 8, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class Conv2dBenchmark {

  @Param({"1x8x28x28", "8x16x26x26", "16x16x24x24", "16x16x11x11", "16x32x5x5", "8x16x28x28p1"})
  public String layer;

  private Conv2d conv;
  private Tensor input;
  private Tensor gradOutput;

  @Setup
  public void setUp() {
    Parallel.setThreads(1);
    String[] parts = layer.split("p");
    String[] dims = parts[0].split("x");
    int in = Integer.parseInt(dims[0]);
    int out = Integer.parseInt(dims[1]);
    int padding = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
    Rng rng = new Rng(1);
    conv = new Conv2d(in, out, 3, 1, padding, true, rng);
    input = Tensor.zeros(128, in, Integer.parseInt(dims[2]), Integer.parseInt(dims[3]));
    rng.gaussian(input.data(), 0, 1);
    gradOutput = Tensor.zeros(conv.forward(input, true).shape());
    rng.gaussian(gradOutput.data(), 0, 1);
  }

  /** JMH with its usual command-line options (the pom's exec:exec passes them). */
  public static void main(String[] args) throws Exception {
    org.openjdk.jmh.Main.main(args);
  }

  @Benchmark
  public Tensor forward() {
    return conv.forward(input, true);
  }

  @Benchmark
  public Tensor backward() {
    return conv.backward(gradOutput);
  }
}
