package dev.backprop.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backprop.cli.MainTest.Run;
import dev.backprop.data.SyntheticMnist;
import dev.backprop.io.Safetensors;
import dev.backprop.io.SafetensorsFile;
import dev.backprop.train.RunConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train --init CHECKPOINT} starts a new run from trained weights, ours or a PyTorch state_dict. The runs
 * here train with a learning rate of 1e-9, so their weights end where they started: at the checkpoint's.
 */
class InitTest {
  private static final String ARCH = "c8 m c16 d0.1 gap fc10";
  @TempDir static Path dir;
  static Path data;
  static Path trained;

  @BeforeAll
  static void trainACheckpoint() {
    data = SyntheticMnist.directory(dir.resolve("data"), 96, 20, 4);
    trained = dir.resolve("trained");
    Run run = MainTest.run("train", "--data", data.toString(), "--arch", ARCH, "--epochs", "1", "--batch-size",
        "32", "--seed", "2", "--out", trained.toString());
    assertThat(run.exitCode()).as(run.err()).isZero();
  }

  private static Run trainFrom(Path checkpoint, Path out, String... options) {
    return trainFrom(checkpoint, out, "1e-9", 1, options);
  }

  private static Run trainFrom(Path checkpoint, Path out, String lr, int epochs, String... options) {
    List<String> args = new ArrayList<>(List.of("train", "--init", checkpoint.toString(), "--data", data.toString(),
        "--epochs", Integer.toString(epochs), "--batch-size", "32", "--optimizer", "sgd", "--momentum", "0", "--lr",
        lr, "--schedule", "none", "--seed", "9", "--out", out.toString()));
    args.addAll(List.of(options));
    return MainTest.run(args.toArray(String[]::new));
  }

  /** Largest difference between the weights (not the BatchNorm statistics, which training moves) of two files. */
  private static double weightDistance(Path a, Path b) {
    SafetensorsFile x = Safetensors.read(a);
    SafetensorsFile y = Safetensors.read(b);
    assertThat(y.names()).containsExactlyInAnyOrderElementsOf(x.names());
    double distance = 0;
    for (String name : x.names()) {
      if (name.endsWith("weight") || name.endsWith("bias")) {
        float[] u = x.floats(name);
        float[] v = y.floats(name);
        for (int i = 0; i < u.length; i++) {
          distance = Math.max(distance, Math.abs(u[i] - v[i]));
        }
      }
    }
    return distance;
  }

  @Test
  void aRunStartsFromOurCheckpointWithTheArchitectureItRecords() throws Exception {
    Path out = dir.resolve("from-ours");
    Path checkpoint = trained.resolve("model.safetensors");
    Run run = trainFrom(checkpoint, out);
    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).contains("custom on 96 training");
    assertThat(weightDistance(checkpoint, out.resolve("model.safetensors"))).isLessThan(1e-6);
    RunConfig config = RunConfig.read(out.resolve("config.json"));
    assertThat(config.arch()).isEqualTo(ARCH);
    assertThat(config.init().file()).isEqualTo(checkpoint.toAbsolutePath().toString());
    assertThat(config.init().sha256()).hasSize(64);
    assertThat(config.init().arch()).isEqualTo(ARCH);
  }

  @Test
  void aRunStartsFromAPyTorchStateDict() throws Exception {
    Path pytorch = Path.of(getClass().getResource("/golden/ref15k_step_after.safetensors").toURI());
    Path out = dir.resolve("from-pytorch");
    Run run = trainFrom(pytorch, out, "--model", "ref15k");
    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(weightDistance(pytorch, out.resolve("model.safetensors"))).isLessThan(1e-6);
    assertThat(RunConfig.read(out.resolve("config.json")).init().arch()).isNull();
  }

  @Test
  void anotherArchitectureIsOneLineAndNothingIsWritten() {
    Path out = dir.resolve("mismatch");
    Run run = trainFrom(trained.resolve("model.safetensors"), out, "--model", "ref15k");
    assertThat(run.exitCode()).isEqualTo(Main.USAGE_ERROR);
    assertThat(run.err()).startsWith("backprop: " + trained.resolve("model.safetensors") + " does not fit the "
        + "model, it holds '" + ARCH + "': ").endsWith("\n").hasLineCount(1);
    assertThat(out).doesNotExist();
  }

  /** Killed before its first epoch was saved, an --init run resumes from the same checkpoint, to the same bits. */
  @Test
  void aResumedInitRunThatSavedNoEpochStartsAgainFromTheCheckpoint() throws Exception {
    Path straight = dir.resolve("straight");
    Run run = trainFrom(trained.resolve("model.safetensors"), straight, "0.01", 2);
    assertThat(run.exitCode()).as(run.err()).isZero();

    Path killed = dir.resolve("killed-in-epoch-1");
    Files.createDirectories(killed);
    RunConfig config = RunConfig.read(straight.resolve("config.json"));
    config.withStatus(RunConfig.RUNNING).write(killed.resolve("config.json"));
    Run resumed = MainTest.run("train", "--resume", killed.toString());
    assertThat(resumed.exitCode()).as(resumed.err()).isZero();
    assertThat(Files.readAllBytes(killed.resolve("model.safetensors")))
        .isEqualTo(Files.readAllBytes(straight.resolve("model.safetensors")));
  }
}
