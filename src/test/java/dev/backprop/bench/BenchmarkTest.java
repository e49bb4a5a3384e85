package dev.backprop.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.backprop.UserError;
import dev.backprop.layers.Sequential;
import dev.backprop.loss.NllLoss;
import dev.backprop.models.ArchSpec;
import dev.backprop.optim.Sgd;
import dev.backprop.tensor.Rng;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.DoubleStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The benchmark's bookkeeping on a tiny model: what runs in which order, never how fast. */
class BenchmarkTest {

  private static Sequential tiny() {
    return ArchSpec.build("c4 m c8 gap fc10", new Rng(1));
  }

  @Test
  void runsWarmUpThenTimedRepetitionsOfTrainingThenInference() {
    Sequential model = tiny();
    float[] before = model.parameters().get(0).value().data().clone();
    BenchData data = BenchData.synthetic(40, 24, 5);
    List<String> events = new ArrayList<>();
    Benchmark.Listener listener = new Benchmark.Listener() {
      @Override
      public void phaseStarted(String phase, int steps, int batchSize) {
        events.add(phase + " " + steps + "x" + batchSize);
      }

      @Override
      public void stepDone(int stepsDone) {
        events.add("step " + stepsDone);
      }
    };
    Benchmark.Result result = new Benchmark(model, new NllLoss(), Sgd.withMomentum(model.parameters(), 0.01, 0.9),
        data, new Benchmark.Settings(16, 8, 3, 4, 1, 2, 7)).run(listener);

    assertThat(result.trainImagesPerSecond()).hasSize(2);
    assertThat(result.inferImagesPerSecond()).hasSize(2);
    assertThat(DoubleStream.concat(Arrays.stream(result.trainImagesPerSecond()),
        Arrays.stream(result.inferImagesPerSecond()))).allSatisfy(rate -> assertThat(rate).isPositive().isFinite());
    assertThat(events.stream().filter(e -> !e.startsWith("step"))).containsExactly(
        "warm-up train 1/1 3x16", "train 1/2 3x16", "train 2/2 3x16",
        "warm-up inference 1/1 4x8", "inference 1/2 4x8", "inference 2/2 4x8");
    assertThat(events.subList(0, 4)).containsExactly("warm-up train 1/1 3x16", "step 1", "step 2", "step 3");
    assertThat(model.parameters().get(0).value().data()).as("the optimizer stepped").isNotEqualTo(before);
  }

  @Test
  void refusesSettingsThatMeasureNothingAndBatchesLargerThanTheData() {
    assertThatThrownBy(() -> new Benchmark.Settings(16, 8, 0, 1, 0, 1, 1))
        .isInstanceOf(UserError.class).hasMessage("--batches must be at least 1");
    assertThatThrownBy(() -> new Benchmark.Settings(16, 8, 1, 1, -1, 1, 1))
        .isInstanceOf(UserError.class).hasMessage("--warmup must not be negative");
    assertThatThrownBy(() -> new Benchmark.Settings(16, 8, 1, 1, 0, 0, 1))
        .isInstanceOf(UserError.class).hasMessage("--repeat must be at least 1");
    Sequential model = tiny();
    BenchData data = BenchData.synthetic(10, 10, 1);
    assertThatThrownBy(() -> new Benchmark(model, new NllLoss(), Sgd.plain(model.parameters(), 0.1), data,
        new Benchmark.Settings(16, 8, 1, 1, 0, 1, 1)))
        .isInstanceOf(UserError.class).hasMessage("--batch-size 16 is larger than the 10 training images");
  }

  @Test
  void medianMinMax() {
    assertThat(Benchmark.median(new double[] {3, 1, 2})).isEqualTo(2);
    assertThat(Benchmark.median(new double[] {4, 1, 2, 3})).isEqualTo(2.5);
    assertThat(Benchmark.min(new double[] {4, 1, 2})).isEqualTo(1);
    assertThat(Benchmark.max(new double[] {4, 1, 2})).isEqualTo(4);
  }

  @Test
  void gemmCeilingCountsTwoNCubedFlopPerProduct() {
    assertThat(GemmCeiling.gflops(1, 100, 2_000_000)).isEqualTo(1.0); // 2·10^6 flop in 2 ms
    assertThat(GemmCeiling.gflops(3, 256, 1_000_000_000)).isEqualTo(3 * 2.0 * 256 * 256 * 256 / 1e9);
    GemmCeiling.Measurement m = GemmCeiling.measure(64, 0.01, 2, 0.01);
    assertThat(m.describe()).isEqualTo("64x64x64 Gemm on %d thread%s, best of 2 windows of 0.0 s",
        m.threads(), m.threads() == 1 ? "" : "s");
  }

  @Test
  void peakRssIsVmHwmInBytes(@TempDir Path dir) throws Exception {
    Path status = dir.resolve("status");
    Files.writeString(status, "Name:\tjava\nVmPeak:\t 9999 kB\nVmHWM:\t    1940 kB\nVmRSS:\t 1000 kB\n");
    assertThat(Machine.peakRssBytes(status)).hasValue(1940L * 1024);
    assertThat(Machine.peakRssBytes(dir.resolve("missing"))).isEmpty();
  }
}
