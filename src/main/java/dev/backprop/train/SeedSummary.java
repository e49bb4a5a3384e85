package dev.backprop.train;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * The runs of {@code train --seeds K} side by side: per seed the final epoch's accuracy, the best test accuracy
 * (picked by looking at the test set) and, when the runs hold validation images out, the epoch the validation
 * accuracy picks and the test accuracy there; then the mean and the sample standard deviation (n − 1) of each.
 */
public final class SeedSummary {

  /** One seed's run: its epochs in order. */
  public record Run(long seed, List<EpochMetrics> history) {
    public Run {
      if (history.isEmpty()) {
        throw new IllegalArgumentException("seed " + seed + " has no completed epoch");
      }
      history = List.copyOf(history);
    }

    /** The time its epochs took (training and evaluation; checkpoints and start-up not counted). */
    public double seconds() {
      return history.stream().mapToDouble(EpochMetrics::seconds).sum();
    }

    public EpochMetrics last() {
      return history.get(history.size() - 1);
    }

    /** The first epoch with the highest test accuracy. */
    public EpochMetrics bestOnTest() {
      return first(EpochMetrics::testAccuracy);
    }

    /** The first epoch with the highest validation accuracy: what best.safetensors holds with --val-split. */
    public EpochMetrics bestOnValidation() {
      return first(EpochMetrics::valAccuracy);
    }

    private EpochMetrics first(ToDoubleFunction<EpochMetrics> accuracy) {
      EpochMetrics best = history.get(0);
      for (EpochMetrics m : history) {
        if (accuracy.applyAsDouble(m) > accuracy.applyAsDouble(best)) {
          best = m;
        }
      }
      return best;
    }
  }

  /** A column: its CSV name, its heading in the table, and how it is read from a run. */
  private record Column(String csv, String heading, ToDoubleFunction<Run> value, boolean epoch) {}

  private final List<Run> runs;
  private final List<Column> columns = new ArrayList<>();

  public SeedSummary(List<Run> runs) {
    if (runs.isEmpty()) {
      throw new IllegalArgumentException("no runs to summarise");
    }
    this.runs = List.copyOf(runs);
    boolean validation = runs.get(0).last().hasValidation();
    columns.add(new Column("final_test_acc", "final test", r -> r.last().testAccuracy(), false));
    columns.add(new Column("best_test_acc", "best test", r -> r.bestOnTest().testAccuracy(), false));
    columns.add(new Column("best_test_epoch", "epoch", r -> r.bestOnTest().epoch(), true));
    if (validation) {
      columns.add(new Column("final_val_acc", "final val", r -> r.last().valAccuracy(), false));
      columns.add(new Column("best_val_acc", "best val", r -> r.bestOnValidation().valAccuracy(), false));
      columns.add(new Column("best_val_epoch", "epoch", r -> r.bestOnValidation().epoch(), true));
      columns.add(new Column("test_acc_at_best_val", "test there", r -> r.bestOnValidation().testAccuracy(),
          false));
    }
    columns.add(new Column("seconds", "seconds", Run::seconds, true));
  }

  public List<Run> runs() {
    return runs;
  }

  /** Mean of a run's value over the seeds. */
  public static double mean(double[] values) {
    double sum = 0;
    for (double v : values) {
      sum += v;
    }
    return sum / values.length;
  }

  /** Sample standard deviation (n − 1); NaN for a single value. */
  public static double std(double[] values) {
    if (values.length < 2) {
      return Double.NaN;
    }
    double mean = mean(values);
    double squares = 0;
    for (double v : values) {
      squares += (v - mean) * (v - mean);
    }
    return Math.sqrt(squares / (values.length - 1));
  }

  /** The final test accuracy of every seed, in run order. */
  public double[] finalTestAccuracies() {
    return values(columns.get(0));
  }

  /** The table as printed: one row per seed, then mean and std of the accuracies. */
  public String render() {
    StringBuilder text = new StringBuilder(String.format(Locale.ROOT, "%6s", "seed"));
    for (Column c : columns) {
      text.append(String.format(Locale.ROOT, "  %10s", c.heading()));
    }
    text.append('\n');
    for (Run run : runs) {
      text.append(String.format(Locale.ROOT, "%6d", run.seed()));
      for (Column c : columns) {
        double v = c.value().applyAsDouble(run);
        text.append(c.epoch() ? String.format(Locale.ROOT, "  %10.0f", v) : String.format(Locale.ROOT,
            "  %8.2f %%", v));
      }
      text.append('\n');
    }
    for (String statistic : List.of("mean", "std")) {
      text.append(String.format(Locale.ROOT, "%6s", statistic));
      for (Column c : columns) {
        double v = statistic.equals("mean") ? mean(values(c)) : std(values(c));
        text.append(c.epoch() || Double.isNaN(v) ? String.format(Locale.ROOT, "  %10s", "")
            : String.format(Locale.ROOT, statistic.equals("mean") ? "  %8.2f %%" : "  %10.3f", v));
      }
      text.append('\n');
    }
    return text.toString().replaceAll(" +\n", "\n");
  }

  /** "final test accuracy 99.45 ± 0.05 % (mean ± std over 5 seeds), best test 99.51 ± 0.04 %". */
  public String headline() {
    StringBuilder text = new StringBuilder();
    for (Column c : columns) {
      if (c.epoch()) {
        continue;
      }
      double[] v = values(c);
      text.append(text.isEmpty() ? "" : ", ").append(c.heading()).append(' ')
          .append(String.format(Locale.ROOT, v.length > 1 ? "%.2f ± %.2f %%" : "%.2f %%", mean(v), std(v)));
    }
    return text + " (mean ± std over " + runs.size() + (runs.size() == 1 ? " seed)" : " seeds)");
  }

  /** One row per seed, then the rows "mean" and "std" (epochs and seconds: mean only). */
  public void writeCsv(Path csv) throws IOException {
    StringBuilder text = new StringBuilder("seed");
    columns.forEach(c -> text.append(',').append(c.csv()));
    text.append('\n');
    for (Run run : runs) {
      text.append(run.seed());
      columns.forEach(c -> text.append(',').append(MetricsCsv.number(c.value().applyAsDouble(run))));
      text.append('\n');
    }
    text.append("mean");
    columns.forEach(c -> text.append(',').append(MetricsCsv.number(mean(values(c)))));
    text.append("\nstd");
    columns.forEach(c -> text.append(',').append(c.epoch() ? "" : MetricsCsv.number(std(values(c)))));
    text.append('\n');
    Files.writeString(csv, text, StandardCharsets.UTF_8);
  }

  private double[] values(Column c) {
    return runs.stream().mapToDouble(c.value()).toArray();
  }
}
