package dev.backprop.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.backprop.UserError;
import dev.backprop.data.Mnist;
import dev.backprop.data.MnistSource;
import dev.backprop.layers.Sequential;
import dev.backprop.loss.NllLoss;
import dev.backprop.models.ModelSummary;
import dev.backprop.optim.Sgd;
import dev.backprop.tensor.Gemm;
import dev.backprop.tensor.Rng;
import dev.backprop.bench.BenchData;
import dev.backprop.bench.Benchmark;
import dev.backprop.bench.FmaPeak;
import dev.backprop.bench.GemmCeiling;
import dev.backprop.bench.Machine;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false, abbreviateSynopsis = true,
    description = {
      "Measure training and inference speed: images/s (min, median, max over the repetitions), GFLOP/s, and "
          + "their share of a GEMM ceiling and of the FMA peak, both measured on this machine.",
      "Training steps are forward + NLL loss + backward + SGD (lr 0.01, momentum 0.9) on shuffled, "
          + "pre-normalised MNIST batches without augmentation, BN and dropout in training mode; inference is "
          + "an eval-mode forward. tools/reference/bench_pytorch.py does the same in PyTorch."
    })
final class BenchCommand implements Callable<Integer> {
  /** Training runs at the zoo recipes' rate and momentum, fixed (no schedule): the PyTorch twin uses the same. */
  static final double LR = 0.01;
  static final double MOMENTUM = 0.9;
  /** Synthetic data is at most as large as MNIST's splits, and at least as large as one repetition needs. */
  private static final int MNIST_TRAIN = 60_000;
  private static final int MNIST_TEST = 10_000;

  @Mixin ModelChoice modelChoice;
  @Mixin DataOption dataOption;
  @Mixin ThreadsOption threadsOption;

  @Option(names = "--batch-size", paramLabel = "B", defaultValue = "128",
      description = "Training batch. Default: ${DEFAULT-VALUE}.") int batchSize;
  @Option(names = "--infer-batch-size", paramLabel = "B", defaultValue = "1000",
      description = "Inference batch. Default: ${DEFAULT-VALUE}.") int inferBatchSize;
  @Option(names = "--batches", paramLabel = "N", defaultValue = "30",
      description = "Training steps per repetition. Default: ${DEFAULT-VALUE}.") int batches;
  @Option(names = "--infer-batches", paramLabel = "N", defaultValue = "10",
      description = "Inference steps per repetition. Default: ${DEFAULT-VALUE} (the test set at batch 1000).")
  int inferBatches;
  @Option(names = "--warmup", paramLabel = "N", defaultValue = "2",
      description = "Untimed repetitions first (JIT compilation, buffers). Default: ${DEFAULT-VALUE}.") int warmup;
  @Option(names = "--repeat", paramLabel = "N", defaultValue = "5",
      description = "Timed repetitions; min, median and max are reported. Default: ${DEFAULT-VALUE}.") int repeat;
  @Option(names = "--synthetic", description = "Random images instead of MNIST (also used, with a notice, when no "
      + "MNIST is found and neither --data nor $BACKPROP_DATA is given).") boolean synthetic;
  @Option(names = "--seed", paramLabel = "N", defaultValue = "1",
      description = "Seed for initialisation, shuffling, dropout and "
      + "synthetic data. Default: ${DEFAULT-VALUE}.") long seed;
  @Option(names = "--json", description = "Print one JSON object and nothing else on stdout.") boolean json;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    PrintWriter stdout = spec.commandLine().getOut();
    PrintWriter stderr = spec.commandLine().getErr();
    Benchmark.Settings settings = new Benchmark.Settings(batchSize, inferBatchSize, batches, inferBatches, warmup,
        repeat, seed);
    int threads = threadsOption.apply();
    Sequential model = modelChoice.build(new Rng(seed));
    ModelSummary summary = ModelSummary.of(model, new int[] {1, 28, 28});
    Data data = data(stderr);
    // Other processes' load when the measurement starts (ours adds to it while running): on a shared machine it
    // says how much to trust the numbers.
    double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();

    Benchmark benchmark = new Benchmark(model, new NllLoss(), Sgd.withMomentum(model.parameters(), LR, MOMENTUM),
        data.images(), settings);
    Benchmark.Result result;
    try (BenchProgress progress = BenchProgress.start()) {
      result = benchmark.run(progress);
    }
    GemmCeiling.Measurement ceiling = GemmCeiling.measure();
    FmaPeak.Measurement peak = FmaPeak.measure();
    OptionalLong peakRss = Machine.peakRssBytes();

    double[] train = result.trainImagesPerSecond();
    double[] infer = result.inferImagesPerSecond();
    long macs = summary.totalMacs();
    // Training ~ 3 forward passes (forward, input gradient, weight gradient), 2 flop per multiply-accumulate.
    double trainGflops = Benchmark.median(train) * 3 * 2 * macs / 1e9;
    double inferGflops = Benchmark.median(infer) * 2 * macs / 1e9;

    Map<String, Object> report = new LinkedHashMap<>();
    report.put("framework", "backprop");
    report.put("version", Versions.backprop());
    report.put("model", modelChoice.displayName());
    report.put("arch", modelChoice.architecture());
    report.put("params", summary.totalParams());
    report.put("macs", macs);
    report.put("threads", threads);
    report.put("batch_size", batchSize);
    report.put("infer_batch_size", inferBatchSize);
    report.put("batches", batches);
    report.put("infer_batches", inferBatches);
    report.put("warmup", warmup);
    report.put("repeat", repeat);
    report.put("data", data.images().synthetic() ? "synthetic" : "mnist");
    report.put("data_dir", data.directory());
    report.put("train_images_per_s", Benchmark.median(train));
    report.put("train_images_per_s_min", Benchmark.min(train));
    report.put("train_images_per_s_max", Benchmark.max(train));
    report.put("train_images_per_s_all", train);
    report.put("infer_images_per_s", Benchmark.median(infer));
    report.put("infer_images_per_s_min", Benchmark.min(infer));
    report.put("infer_images_per_s_max", Benchmark.max(infer));
    report.put("infer_images_per_s_all", infer);
    report.put("train_gflops", trainGflops);
    report.put("infer_gflops", inferGflops);
    report.put("gemm_ceiling_gflops", ceiling.gflops());
    report.put("gemm_ceiling", ceiling.describe());
    report.put("train_ceiling_share", trainGflops / ceiling.gflops());
    report.put("infer_ceiling_share", inferGflops / ceiling.gflops());
    report.put("fma_peak_gflops", peak.gflops());
    report.put("fma_peak", peak.describe());
    report.put("train_fma_peak_share", trainGflops / peak.gflops());
    report.put("infer_fma_peak_share", inferGflops / peak.gflops());
    report.put("peak_rss_mb", peakRss.isPresent() ? peakRss.getAsLong() / (1024.0 * 1024.0) : null);
    report.put("jdk", Runtime.version().toString());
    report.put("python", null);
    report.put("gemm", Gemm.implementationName());
    report.put("cpu", Machine.cpuModel().orElse(null));
    report.put("load_average", load >= 0 ? load : null);

    if (json) {
      stdout.println(new ObjectMapper().writeValueAsString(report));
    } else {
      printReport(stdout, summary, threads, data, train, infer, trainGflops, inferGflops, ceiling, peak, peakRss,
          load);
    }
    stdout.flush();
    return 0;
  }

  /** The images to run on, and the directory they came from (null for synthetic ones). */
  private record Data(BenchData images, String directory, String description) {}

  /**
   * MNIST as {@code train} finds it; synthetic images when asked, or when nothing was named (no --data, no
   * $BACKPROP_DATA) and neither the cache nor a download could provide MNIST. A named directory that does not
   * hold MNIST stays an error, as in {@code train}.
   */
  private Data data(PrintWriter stderr) {
    if (synthetic) {
      return synthetic();
    }
    String fromEnv = System.getenv(MnistSource.DATA_ENV);
    boolean named = dataOption.data != null || (fromEnv != null && !fromEnv.isBlank());
    Mnist mnist;
    try {
      mnist = dataOption.load(stderr);
    } catch (UserError notFound) {
      if (named) {
        throw notFound;
      }
      stderr.println("backprop: no MNIST found (no --data, $" + MnistSource.DATA_ENV + " not set, nothing in the "
          + "cache, download failed): benchmarking on synthetic random images");
      stderr.flush();
      return synthetic();
    }
    return new Data(BenchData.of(mnist), mnist.directory().toString(), String.format(Locale.ROOT,
        "MNIST from %s (%,d training / %,d test images)", mnist.directory(), mnist.train().size(),
        mnist.test().size()));
  }

  private Data synthetic() {
    int train = (int) Math.min(MNIST_TRAIN, Math.max(batchSize, (long) batchSize * batches));
    int test = (int) Math.min(MNIST_TEST, Math.max(inferBatchSize, (long) inferBatchSize * inferBatches));
    return new Data(BenchData.synthetic(train, test, seed), null, String.format(Locale.ROOT,
        "synthetic random images (%,d training / %,d test)", train, test));
  }

  private void printReport(PrintWriter out, ModelSummary summary, int threads, Data data, double[] train,
      double[] infer, double trainGflops, double inferGflops, GemmCeiling.Measurement ceiling,
      FmaPeak.Measurement peak, OptionalLong peakRss, double load) {
    out.printf(Locale.ROOT, "%s: %,d params, %,d MACs per image (forward); %d thread%s; %s%n",
        modelChoice.displayName(), summary.totalParams(), summary.totalMacs(), threads, threads == 1 ? "" : "s",
        data.description());
    out.printf(Locale.ROOT, "Java %s; Gemm %s%n", Runtime.version(), Gemm.implementationName());
    out.printf(Locale.ROOT, "%d warm-up + %d timed repetitions; images/s median (min .. max)%s%n", warmup, repeat,
        load >= 0 ? String.format(Locale.ROOT, "; load average %.2f at the start", load) : "");
    out.printf(Locale.ROOT, "  training   batch %5d x %3d steps  %9.1f img/s (%.1f .. %.1f)  %6.2f GFLOP/s  "
        + "%5.1f%% of ceiling  %5.1f%% of FMA peak%n", batchSize, batches, Benchmark.median(train),
        Benchmark.min(train), Benchmark.max(train), trainGflops, 100 * trainGflops / ceiling.gflops(),
        100 * trainGflops / peak.gflops());
    out.printf(Locale.ROOT, "  inference  batch %5d x %3d steps  %9.1f img/s (%.1f .. %.1f)  %6.2f GFLOP/s  "
        + "%5.1f%% of ceiling  %5.1f%% of FMA peak%n", inferBatchSize, inferBatches, Benchmark.median(infer),
        Benchmark.min(infer), Benchmark.max(infer), inferGflops, 100 * inferGflops / ceiling.gflops(),
        100 * inferGflops / peak.gflops());
    out.printf(Locale.ROOT, "Measured GEMM ceiling: %.1f GFLOP/s (%s)%n", ceiling.gflops(), ceiling.describe());
    out.printf(Locale.ROOT, "Measured FMA peak: %.1f GFLOP/s (%s)%n", peak.gflops(), peak.describe());
    out.println("GFLOP/s counts 2 flop per multiply-accumulate; a training step as 3 forward passes.");
    out.println(peakRss.isPresent()
        ? String.format(Locale.ROOT, "Peak RSS %.0f MB", peakRss.getAsLong() / (1024.0 * 1024.0))
        : "Peak RSS not available on this system");
  }
}
