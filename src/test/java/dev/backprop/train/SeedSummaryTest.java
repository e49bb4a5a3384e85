package dev.backprop.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SeedSummaryTest {
  @TempDir Path dir;

  private static EpochMetrics epoch(int epoch, double val, double test) {
    return new EpochMetrics(epoch, 0.01, 0.1, 99, 0.02, test, 10, 0.03, val);
  }

  /** Epochs of 10 s. Seed 1 peaks on test at epoch 2, on validation at epoch 3; seed 2 on both at epoch 2. */
  private static final List<SeedSummary.Run> RUNS = List.of(
      new SeedSummary.Run(1, List.of(epoch(1, 98.0, 99.0), epoch(2, 98.5, 99.5), epoch(3, 98.9, 99.2))),
      new SeedSummary.Run(2, List.of(epoch(1, 98.0, 99.1), epoch(2, 99.0, 99.4), epoch(3, 98.8, 99.3))));

  @Test
  void finalBestOnTestAndBestOnValidationPerSeedWithMeanAndSampleStd() throws Exception {
    SeedSummary summary = new SeedSummary(RUNS);
    assertThat(summary.finalTestAccuracies()).containsExactly(99.2, 99.3);
    assertThat(SeedSummary.mean(new double[] {1, 2, 3, 6})).isEqualTo(3.0);
    assertThat(SeedSummary.std(new double[] {1, 2, 3, 6})).isEqualTo(Math.sqrt(14.0 / 3)); // n - 1 = 3
    assertThat(SeedSummary.std(new double[] {5})).isNaN();

    Path csv = dir.resolve("seeds.csv");
    summary.writeCsv(csv);
    assertThat(Files.readAllLines(csv)).containsExactly(
        "seed,final_test_acc,best_test_acc,best_test_epoch,final_val_acc,best_val_acc,best_val_epoch,"
            + "test_acc_at_best_val,seconds",
        "1,99.2,99.5,2,98.9,98.9,3,99.2,30",
        "2,99.3,99.4,2,98.8,99,2,99.4,30",
        "mean," + MetricsCsv.number((99.2 + 99.3) / 2) + "," + MetricsCsv.number((99.5 + 99.4) / 2) + ",2,"
            + MetricsCsv.number((98.9 + 98.8) / 2) + "," + MetricsCsv.number((98.9 + 99.0) / 2) + ",2.5,"
            + MetricsCsv.number((99.2 + 99.4) / 2) + ",30",
        "std," + MetricsCsv.number(SeedSummary.std(new double[] {99.2, 99.3})) + ","
            + MetricsCsv.number(SeedSummary.std(new double[] {99.5, 99.4})) + ",,"
            + MetricsCsv.number(SeedSummary.std(new double[] {98.9, 98.8})) + ","
            + MetricsCsv.number(SeedSummary.std(new double[] {98.9, 99.0})) + ",,"
            + MetricsCsv.number(SeedSummary.std(new double[] {99.2, 99.4})) + ",");
    assertThat(summary.render()).contains("     1     99.20 %     99.50 %           2     98.90 %     98.90 %")
        .contains("  mean     99.25 %").doesNotContain(" \n");
    assertThat(summary.headline()).startsWith("final test 99.25 ± 0.07 %, best test 99.45 ± 0.07 %")
        .endsWith("(mean ± std over 2 seeds)");
  }

  @Test
  void withoutValidationTheTableHasTheTestColumnsOnly() {
    SeedSummary summary = new SeedSummary(List.of(new SeedSummary.Run(3,
        List.of(new EpochMetrics(1, 0.01, 0.1, 99, 0.02, 99.1, 10)))));
    assertThat(summary.render().lines().findFirst().orElseThrow())
        .isEqualTo("  seed  final test   best test       epoch     seconds");
    assertThat(summary.headline()).isEqualTo("final test 99.10 %, best test 99.10 % (mean ± std over 1 seed)");
  }
}
