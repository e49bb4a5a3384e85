package dev.backprop.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.backprop.cli.MainTest.Run;
import dev.backprop.data.SyntheticMnist;
import dev.backprop.train.EpochMetrics;
import dev.backprop.train.MetricsCsv;
import dev.backprop.io.Safetensors;
import dev.backprop.train.RunConfig;
import dev.backprop.train.SeedSummary;
import java.util.Map;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** train, eval and predict as a user runs them, on a small synthetic data set (and on MNIST when available). */
class TrainCommandTest {
  @TempDir static Path shared;
  static Path data;
  static Path run;
  static Run firstRun;

  @BeforeAll
  static void trainTwoEpochsOnSyntheticData() {
    data = SyntheticMnist.directory(shared.resolve("data"), 96, 40, 7);
    run = shared.resolve("run");
    firstRun = MainTest.run("train", "--data", data.toString(), "--epochs", "2", "--batch-size", "32",
        "--out", run.toString(), "--seed", "3");
  }

  @Test
  void trainingWritesTheRunDirectory() throws Exception {
    assertThat(firstRun.exitCode()).as(firstRun.err()).isZero();
    assertThat(firstRun.out())
        .contains("Total params: 15,738")
        .contains("Epoch 1/2  train loss")
        .contains("Epoch 2/2  train loss")
        .containsPattern("test loss \\d\\.\\d{4} acc \\d+/40 ");
    assertThat(firstRun.err()).contains("not canonical MNIST");
    List<EpochMetrics> metrics = MetricsCsv.read(run.resolve("metrics.csv"));
    assertThat(metrics).extracting(EpochMetrics::epoch).containsExactly(1, 2);
    RunConfig config = RunConfig.read(run.resolve("config.json"));
    assertThat(config.model()).isEqualTo("ref15k");
    assertThat(config.seed()).isEqualTo(3);
    assertThat(config.recipe().epochs()).isEqualTo(2);
    for (String file : List.of("model.safetensors", "best.safetensors", "curves.png")) {
      assertThat(run.resolve(file)).isNotEmptyFile();
    }
  }

  @Test
  void labelSmoothingTrainsWithTheCrossEntropyAndIsRecorded() throws Exception {
    Path dir = shared.resolve("smoothed");
    Run smoothed = MainTest.run("train", "--data", data.toString(), "--epochs", "1", "--batch-size", "32",
        "--label-smoothing", "0.1", "--out", dir.toString());
    assertThat(smoothed.exitCode()).as(smoothed.err()).isZero();
    assertThat(smoothed.out()).contains("label smoothing 0.1");
    assertThat(RunConfig.read(dir.resolve("config.json")).recipe().labelSmoothing()).isEqualTo(0.1);
    Run wrong = MainTest.run("train", "--data", data.toString(), "--label-smoothing", "1.5");
    assertThat(wrong.exitCode()).isEqualTo(Main.USAGE_ERROR);
    assertThat(wrong.err()).contains("--label-smoothing must be in [0, 1)");
  }

  @Test
  void valSplitChoosesTheBestEpochOnHeldOutImagesAndShowsBothAccuracies() throws Exception {
    Path dir = shared.resolve("validated");
    Run validated = MainTest.run("train", "--data", data.toString(), "--epochs", "3", "--batch-size", "16",
        "--val-split", "30", "--arch", "c4 m c8 gap fc10", "--lr", "0.05", "--schedule", "none",
        "--out", dir.toString());
    assertThat(validated.exitCode()).as(validated.err()).isZero();
    assertThat(validated.out())
        .contains("66 training (30 more held out for validation) / 40 test images")
        .containsPattern("Epoch 1/3  train loss \\d\\.\\d{4} acc [\\d.]+%  val loss \\d\\.\\d{4} acc \\d+/30 "
            + "\\([\\d.]+%\\)  test loss \\d\\.\\d{4} acc \\d+/40 ")
        .contains("Best validation accuracy");
    List<EpochMetrics> metrics = MetricsCsv.read(dir.resolve("metrics.csv"));
    assertThat(Files.readAllLines(dir.resolve("metrics.csv")).get(0)).isEqualTo(MetricsCsv.HEADER_WITH_VALIDATION);
    EpochMetrics bestOnValidation = metrics.get(0);
    for (EpochMetrics m : metrics) {
      assertThat(m.hasValidation()).isTrue();
      if (m.valAccuracy() > bestOnValidation.valAccuracy()) {
        bestOnValidation = m;
      }
    }
    Map<String, String> best = Safetensors.read(dir.resolve("best.safetensors")).metadata();
    assertThat(best).containsEntry("backprop.epoch", Integer.toString(bestOnValidation.epoch()))
        .containsEntry("backprop.val_acc", Double.toString(bestOnValidation.valAccuracy()));
    assertThat(RunConfig.read(dir.resolve("config.json")).valSplit()).isEqualTo(30);

    Run tooMany = MainTest.run("train", "--data", data.toString(), "--val-split", "96");
    assertThat(tooMany.exitCode()).isEqualTo(Main.USAGE_ERROR);
    assertThat(tooMany.err()).contains("--val-split must be between 1 and 95");
  }

  @Test
  void seedsTrainsOneRunPerSeedAndTabulatesThem() throws Exception {
    Path dir = shared.resolve("seeds");
    Run sweep = MainTest.run("train", "--data", data.toString(), "--epochs", "2", "--batch-size", "32",
        "--arch", "c4 m c8 gap fc10", "--seeds", "3", "--seed", "7", "--out", dir.toString());
    assertThat(sweep.exitCode()).as(sweep.err()).isZero();
    assertThat(sweep.out()).containsOnlyOnce("Total params").contains("Seed 9 (3 of 3)").contains("mean ± std");
    List<String> csv = Files.readAllLines(dir.resolve("seeds.csv"));
    assertThat(csv.get(0)).isEqualTo("seed,final_test_acc,best_test_acc,best_test_epoch,seconds");
    assertThat(csv).hasSize(6);
    double[] finals = new double[3];
    for (int i = 0; i < 3; i++) {
      Path run = dir.resolve("seed-" + (7 + i));
      assertThat(RunConfig.read(run.resolve("config.json")).seed()).isEqualTo(7 + i);
      List<EpochMetrics> metrics = MetricsCsv.read(run.resolve("metrics.csv"));
      finals[i] = metrics.get(1).testAccuracy();
      assertThat(csv.get(1 + i).split(",")).startsWith(Long.toString(7 + i));
      assertThat(Double.parseDouble(csv.get(1 + i).split(",")[1])).isEqualTo(finals[i]);
    }
    assertThat(csv.get(4).split(",")[0]).isEqualTo("mean");
    assertThat(Double.parseDouble(csv.get(4).split(",")[1])).isEqualTo(SeedSummary.mean(finals));
    assertThat(csv.get(5).split(",")[0]).isEqualTo("std");
    assertThat(Double.parseDouble(csv.get(5).split(",")[1])).isEqualTo(SeedSummary.std(finals));

    byte[] lastSeed = Files.readAllBytes(dir.resolve("seed-9").resolve("model.safetensors"));
    try (var files = Files.list(dir.resolve("seed-9"))) { // as if stopped before its turn
      for (Path file : files.toList()) {
        Files.delete(file);
      }
    }
    Files.delete(dir.resolve("seed-9"));
    Run resumed = MainTest.run("train", "--resume", dir.toString(), "--data", data.toString());
    assertThat(resumed.exitCode()).as(resumed.err()).isZero();
    assertThat(resumed.out()).contains("Seed 7 (1 of 3) in " + dir.resolve("seed-7") + ": completed earlier")
        .contains("Epoch 2/2").containsOnlyOnce("Epoch 2/2");
    assertThat(Files.readAllBytes(dir.resolve("seed-9").resolve("model.safetensors"))).isEqualTo(lastSeed);
    assertThat(Files.readAllLines(dir.resolve("seeds.csv")).get(3)).startsWith(csv.get(3).split(",")[0]
        + "," + csv.get(3).split(",")[1] + ",");

    Run single = MainTest.run("train", "--data", data.toString(), "--epochs", "2", "--batch-size", "32",
        "--arch", "c4 m c8 gap fc10", "--seed", "8", "--out", shared.resolve("seed8").toString());
    assertThat(single.exitCode()).as(single.err()).isZero();
    assertThat(Files.readAllBytes(shared.resolve("seed8").resolve("model.safetensors")))
        .as("seed 8 of the sweep is the single run with --seed 8")
        .isEqualTo(Files.readAllBytes(dir.resolve("seed-8").resolve("model.safetensors")));
  }

  @Test
  void aNonEmptyOutputDirectoryIsRefusedWithoutForce() throws Exception {
    Path dir = shared.resolve("taken");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("notes.txt"), "mine");
    Run refused = MainTest.run("train", "--data", data.toString(), "--epochs", "1", "--out", dir.toString());
    assertThat(refused.exitCode()).isEqualTo(Main.USAGE_ERROR);
    assertThat(refused.err()).contains("is not empty").contains("--force");
    assertThat(Files.readString(dir.resolve("notes.txt"))).isEqualTo("mine");

    Run forced = MainTest.run("train", "--data", data.toString(), "--epochs", "1", "--limit", "32",
        "--out", dir.toString(), "--force");
    assertThat(forced.exitCode()).as(forced.err()).isZero();
    assertThat(dir.resolve("model.safetensors")).exists();
  }

  @ParameterizedTest
  @ValueSource(strings = {
    "--epochs 0", "--batch-size -4", "--lr -1", "--lr abc", "--optimizer rmsprop", "--schedule cosine",
    "--model resnet50", "--arch c8_zz", "--threads 0", "--limit 0", "--momentum 1.5", "--data /no/such/dir",
    "--val-split 0", "--seeds 0", "--translate 2"
  })
  void badOptionsGetOneLineAndExitTwo(String option) {
    List<String> args = new java.util.ArrayList<>(List.of("train", "--out", shared.resolve("bad").toString(),
        "--force", "--data", data.toString()));
    args.addAll(List.of(option.replace('_', ' ').split(" ", 2)));
    Run bad = MainTest.run(args.toArray(String[]::new));
    assertThat(bad.exitCode()).as(bad.err()).isEqualTo(Main.USAGE_ERROR);
    assertThat(bad.err().lines().filter(line -> !line.startsWith("Try ")).count()).as(bad.err()).isEqualTo(1);
    assertThat(bad.err()).doesNotContain("Exception").doesNotContain("\tat ");
  }

  @Test
  void evalPrintsOneJsonObject() throws Exception {
    assertThat(firstRun.exitCode()).isZero();
    Path reports = shared.resolve("eval");
    Run eval = MainTest.run("eval", "--checkpoint", run.resolve("model.safetensors").toString(),
        "--data", data.toString(), "--json", "--out", reports.toString());
    assertThat(eval.exitCode()).as(eval.err()).isZero();
    JsonNode json = new ObjectMapper().readTree(eval.out());
    assertThat(json.get("total").asLong()).isEqualTo(40);
    assertThat(json.get("correct").asLong()).isBetween(0L, 40L);
    assertThat(json.get("accuracy").asDouble()).isEqualTo(100.0 * json.get("correct").asLong() / 40);
    assertThat(reports.resolve("confusion.png")).isNotEmptyFile();
    assertThat(reports.resolve("misclassified.png")).isNotEmptyFile();
  }

  /** A state_dict that PyTorch saved from its nn.Sequential ref15k (the golden training-step fixture). */
  @Test
  void evalLoadsAPyTorchStateDictAndRefusesAMismatchedModel() throws Exception {
    Path pytorch = Path.of(getClass().getResource("/golden/ref15k_step_after.safetensors").toURI());
    Run eval = MainTest.run("eval", "--checkpoint", pytorch.toString(), "--model", "ref15k",
        "--data", data.toString(), "--json", "--out", shared.resolve("eval-torch").toString());
    assertThat(eval.exitCode()).as(eval.err()).isZero();
    assertThat(new ObjectMapper().readTree(eval.out()).get("total").asLong()).isEqualTo(40);

    Run mismatch = MainTest.run("eval", "--checkpoint", pytorch.toString(), "--model", "conv5-gap-fc",
        "--data", data.toString());
    assertThat(mismatch.exitCode()).isEqualTo(Main.USAGE_ERROR);
    assertThat(mismatch.err()).contains("does not fit the model").doesNotContain("Exception");
  }

  @Test
  void predictNamesADigitWithTenProbabilities() throws Exception {
    assertThat(firstRun.exitCode()).isZero();
    Path image = shared.resolve("seven.png");
    ImageIO.write(handDrawnSeven(), "png", image.toFile());
    Run predict = MainTest.run("predict", "--checkpoint", run.resolve("best.safetensors").toString(),
        image.toString());
    assertThat(predict.exitCode()).as(predict.err()).isZero();
    assertThat(predict.out()).containsPattern("seven\\.png: \\d  \\(p=[01]\\.\\d{3}\\)( \\d:[01]\\.\\d{3}){10}");
  }

  /** A 7 drawn with a thick black pen on a white 120x160 canvas. */
  static BufferedImage handDrawnSeven() {
    BufferedImage seven = new BufferedImage(120, 160, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = seven.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, 120, 160);
    g.setColor(Color.BLACK);
    g.setStroke(new BasicStroke(12));
    g.drawLine(20, 30, 100, 30);
    g.drawLine(100, 30, 50, 140);
    g.dispose();
    return seven;
  }

  @Test
  void predictWithAMissingCheckpointIsAUserError() {
    Run predict = MainTest.run("predict", "--checkpoint", shared.resolve("none.safetensors").toString(), "x.png");
    assertThat(predict.exitCode()).isEqualTo(Main.USAGE_ERROR);
    assertThat(predict.err()).contains("no checkpoint at");
  }

  /** The acceptance check of the training issue: one epoch on 5,000 MNIST images gives > 90 % test accuracy. */
  @Test
  void oneEpochOnFiveThousandMnistImagesPassesNinetyPercent() throws Exception {
    String mnist = System.getenv("BACKPROP_DATA");
    assumeTrue(mnist != null && Files.isDirectory(Path.of(mnist)), "BACKPROP_DATA not set");
    Path out = shared.resolve("mnist5k");
    Run train = MainTest.run("train", "--data", mnist, "--limit", "5000", "--epochs", "1", "--out", out.toString());
    assertThat(train.exitCode()).as(train.err()).isZero();
    assertThat(MetricsCsv.read(out.resolve("metrics.csv")).get(0).testAccuracy()).isGreaterThan(90.0);
  }
}
