package dev.backprop.bench;

import dev.backprop.data.Augmentation;
import dev.backprop.data.BatchLoader;
import dev.backprop.data.Mnist;
import dev.backprop.data.MnistSet;
import dev.backprop.data.MnistSource;
import dev.backprop.layers.Buffer;
import dev.backprop.layers.Layer;
import dev.backprop.layers.Parameter;
import dev.backprop.layers.Sequential;
import dev.backprop.loss.NllLoss;
import dev.backprop.models.Zoo;
import dev.backprop.optim.OneCycleLR;
import dev.backprop.optim.Sgd;
import dev.backprop.tensor.Parallel;
import dev.backprop.tensor.Rng;
import dev.backprop.tensor.Tensor;
import dev.backprop.train.Trainer;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Not a test (surefire skips it by name): a benchmark harness, kept out of the production code. Trains ref15k
 * epochs (as {@code backprop train}: SGD, one-cycle, batch 128, rotation) on the first N MNIST images,
 * alternating thread counts within one JVM after a warm-up epoch, and prints images/s (wall) and CPU seconds per
 * epoch, then the medians. With {@code --profile} it also wraps every
 * layer in a timer and prints where forward and backward time goes, per layer and per layer type.
 *
 * <pre>
 *   ./mvnw -q -DskipTests package      (compiles the test classes too)
 *   java --add-modules jdk.incubator.vector -XX:+UseParallelGC -cp target/backprop.jar:target/test-classes \
 *     dev.backprop.bench.TrainBench /work/shared/data/mnist 5000 3 1,2 [--profile]
 * </pre>
 * Arguments: MNIST directory, images per epoch, rounds, thread counts to alternate (A B A B ...).
 */
public final class TrainBench {

  public static void main(String[] args) {
    Path dir = Path.of(args[0]);
    int images = Integer.parseInt(args[1]);
    int rounds = Integer.parseInt(args[2]);
    int[] threadCounts = Arrays.stream(args[3].split(",")).mapToInt(Integer::parseInt).toArray();
    boolean profile = Arrays.asList(args).contains("--profile");
    Mnist mnist = MnistSource.builder().env(Map.of()).mirrors(List.of()).npm(null).progress(null).build().load(dir);
    MnistSet train = mnist.train().limit(images);

    Sequential model = Zoo.get("ref15k").build(new Rng(1));
    List<Timed> timed = new ArrayList<>();
    if (profile) {
      List<Layer> wrapped = new ArrayList<>();
      for (Layer layer : model.layers()) {
        Timed t = new Timed(layer);
        timed.add(t);
        wrapped.add(t);
      }
      model = new Sequential(wrapped);
    }
    Sgd sgd = new Sgd(model.parameters(), 0.05, 0.9, 0, true, 0);
    int batch = 128;
    int batchesPerEpoch = (train.size() + batch - 1) / batch;
    OneCycleLR schedule = OneCycleLR.withDefaults(sgd, 0.05, 2 + rounds * threadCounts.length, batchesPerEpoch);
    Trainer trainer = new Trainer(model, new NllLoss(), sgd, schedule, null);
    var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    Map<Integer, List<double[]>> results = new LinkedHashMap<>();
    try (BatchLoader loader = new BatchLoader(train,
        BatchLoader.Options.training(batch, 1).withAugmentation(Augmentation.rotation(7)))) {
      int epoch = 0;
      Parallel.setThreads(threadCounts[0]);
      trainer.trainEpoch(loader, epoch++, (done, loss, acc) -> {}); // warm-up: class loading, JIT
      for (int round = 0; round < rounds; round++) {
        for (int threads : threadCounts) {
          Parallel.setThreads(threads);
          timed.forEach(Timed::reset);
          long cpu0 = os.getProcessCpuTime();
          long t0 = System.nanoTime();
          Trainer.EpochResult r = trainer.trainEpoch(loader, epoch++, (done, loss, acc) -> {});
          double seconds = (System.nanoTime() - t0) / 1e9;
          double cpu = (os.getProcessCpuTime() - cpu0) / 1e9;
          double rate = train.size() / seconds;
          results.computeIfAbsent(threads, k -> new ArrayList<>()).add(new double[] {rate, cpu});
          System.out.printf(Locale.ROOT, "round %d  threads %d  %7.1f img/s  wall %6.1fs  cpu %6.1fs  loss %.4f  "
              + "load %.1f%n", round, threads, rate, seconds, cpu, r.loss(), os.getSystemLoadAverage());
          if (profile) {
            printProfile(timed, threads);
          }
        }
      }
    }
    double base = 0;
    for (Map.Entry<Integer, List<double[]>> e : results.entrySet()) {
      double rate = median(e.getValue().stream().mapToDouble(v -> v[0]).toArray());
      double cpu = median(e.getValue().stream().mapToDouble(v -> v[1]).toArray());
      if (base == 0) {
        base = rate;
      }
      System.out.printf(Locale.ROOT, "threads %d: median %.1f img/s (x%.2f), median cpu %.1fs per epoch%n",
          e.getKey(), rate, rate / base, cpu);
    }
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  private static void printProfile(List<Timed> timed, int threads) {
    long sum = 0;
    for (Timed t : timed) {
      sum += t.forwardNanos + t.backwardNanos;
    }
    long total = sum;
    System.out.printf(Locale.ROOT, "  per layer (%d threads), ms per epoch: forward, backward, share%n", threads);
    Map<String, long[]> byType = new LinkedHashMap<>();
    for (int i = 0; i < timed.size(); i++) {
      Timed t = timed.get(i);
      String name = t.layer.toString();
      System.out.printf(Locale.ROOT, "  %2d %-58s %8.0f %8.0f %5.1f%%%n", i, name.length() > 58
          ? name.substring(0, 58) : name, t.forwardNanos / 1e6, t.backwardNanos / 1e6,
          100.0 * (t.forwardNanos + t.backwardNanos) / total);
      long[] sums = byType.computeIfAbsent(t.layer.getClass().getSimpleName(), k -> new long[2]);
      sums[0] += t.forwardNanos;
      sums[1] += t.backwardNanos;
    }
    System.out.printf(Locale.ROOT, "  by type (%d threads), ms per epoch: forward, backward, share%n", threads);
    byType.entrySet().stream()
        .sorted((a, b) -> Long.compare(b.getValue()[0] + b.getValue()[1], a.getValue()[0] + a.getValue()[1]))
        .forEach(e -> System.out.printf(Locale.ROOT, "  %-16s %8.0f %8.0f %5.1f%%%n", e.getKey(),
            e.getValue()[0] / 1e6, e.getValue()[1] / 1e6, 100.0 * (e.getValue()[0] + e.getValue()[1]) / total));
  }

  /** A layer with a stopwatch around forward and backward. */
  private static final class Timed implements Layer {
    final Layer layer;
    long forwardNanos;
    long backwardNanos;

    Timed(Layer layer) {
      this.layer = layer;
    }

    void reset() {
      forwardNanos = 0;
      backwardNanos = 0;
    }

    @Override
    public int[] outputShape(int[] inputShape) {
      return layer.outputShape(inputShape);
    }

    @Override
    public Tensor forward(Tensor input, boolean training) {
      long t0 = System.nanoTime();
      Tensor out = layer.forward(input, training);
      forwardNanos += System.nanoTime() - t0;
      return out;
    }

    @Override
    public Tensor backward(Tensor gradOutput) {
      long t0 = System.nanoTime();
      Tensor g = layer.backward(gradOutput);
      backwardNanos += System.nanoTime() - t0;
      return g;
    }

    @Override
    public List<Parameter> parameters() {
      return layer.parameters();
    }

    @Override
    public List<Buffer> buffers() {
      return layer.buffers();
    }

    @Override
    public String toString() {
      return layer.toString();
    }
  }
}
