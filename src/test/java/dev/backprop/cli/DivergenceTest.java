package dev.backprop.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backprop.cli.MainTest.Run;
import dev.backprop.data.SyntheticMnist;
import dev.backprop.io.Safetensors;
import dev.backprop.train.MetricsCsv;
import dev.backprop.train.RunConfig;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A loss that becomes NaN or infinite stops the run in the batch where it happens, and a model whose weights or
 * BatchNorm statistics overflow stops at the end of that epoch, before it is saved: exit 3, one line, the status in
 * config.json, and the checkpoints of the last good epoch left as they were.
 */
class DivergenceTest {
  private static final Pattern STOPPED = Pattern.compile("backprop: (the training loss became (?:NaN|-?Infinity) in "
      + "epoch (\\d+), batch \\d+|the model's \\S+ became (?:NaN|-?Infinity) in epoch (\\d+)): training stopped; "
      + "(.*) in (.*)\\. Try a lower learning rate \\(--lr, or --max-lr with onecycle\\)\\.\n");
  @TempDir static Path dir;
  static Path data;

  @BeforeAll
  static void data() {
    data = SyntheticMnist.directory(dir.resolve("data"), 640, 40, 8);
  }

  /** Checks the one line on stderr, config.json's status and metrics.csv; returns what stopped the run. */
  private static Matcher stopped(Run run, Path out) throws Exception {
    assertThat(run.exitCode()).as(run.err()).isEqualTo(TrainCommand.DIVERGED);
    Matcher line = STOPPED.matcher(run.err().replaceAll("backprop: .* is not canonical MNIST .*\n", ""));
    assertThat(line.matches()).as(run.err()).isTrue();
    int epoch = Integer.parseInt(line.group(2) != null ? line.group(2) : line.group(3));
    assertThat(RunConfig.read(out.resolve("config.json")).status()).isEqualTo("diverged: " + line.group(1));
    assertThat(line.group(4)).isEqualTo(epoch == 1 ? "no epoch completed" : "model.safetensors holds epoch "
        + (epoch - 1));
    if (epoch == 1) {
      assertThat(out.resolve("metrics.csv")).doesNotExist();
      assertThat(out.resolve("model.safetensors")).doesNotExist();
    } else {
      assertThat(MetricsCsv.read(out.resolve("metrics.csv"))).hasSize(epoch - 1);
    }
    return line;
  }

  @Test
  void aHugeLearningRateStopsInTheBatchWhereTheLossDiverges() throws Exception {
    Path out = dir.resolve("lr1e4");
    Run run = MainTest.run("train", "--data", data.toString(), "--limit", "320", "--batch-size", "32", "--epochs",
        "3", "--lr", "1e4", "--schedule", "none", "--out", out.toString());
    Matcher stopped = stopped(run, out);
    assertThat(stopped.group(1)).startsWith("the training loss became ").contains(" in epoch 1, batch ");
  }

  /**
   * SGD without momentum, whose weight decay multiplies every weight by 1 − lr·wd = −2.5 at each step: the
   * BatchNorm running variances overflow float32 in epoch 2 (of 20 batches), while the loss is still finite. Epoch
   * 1's checkpoint stays the last one, and loads.
   */
  @Test
  void aModelThatOverflowsIsNotSavedAndTheLastGoodEpochStaysLoadable() throws Exception {
    Path out = dir.resolve("decay");
    Run run = MainTest.run("train", "--data", data.toString(), "--batch-size", "32", "--epochs", "4",
        "--optimizer", "sgd", "--momentum", "0", "--lr", "0.01", "--weight-decay", "350", "--schedule", "none",
        "--no-augment", "--out", out.toString());
    Matcher stopped = stopped(run, out);
    assertThat(stopped.group(1)).matches("the model's \\d+\\.running_var became Infinity in epoch 2");
    assertThat(Safetensors.read(out.resolve("model.safetensors")).metadata()).containsEntry("backprop.epoch", "1");
    Run eval = MainTest.run("eval", "--checkpoint", out.resolve("model.safetensors").toString(), "--data",
        data.toString(), "--out", dir.resolve("decay-eval").toString());
    assertThat(eval.exitCode()).as(eval.err()).isZero();
    assertThat(eval.out()).startsWith("Test accuracy ");
  }
}
