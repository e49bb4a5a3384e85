package dev.backprop.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backprop.cli.MainTest.Run;
import dev.backprop.data.SyntheticMnist;
import dev.backprop.train.MetricsCsv;
import dev.backprop.train.RunConfig;
import dev.backprop.train.TrainingState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A training JVM killed with SIGKILL in the middle of epoch 2, then {@code train --resume}, must end with the
 * {@code model.safetensors} of an uninterrupted run, bit for bit: with SGD + momentum + OneCycle (momentum buffers,
 * a per-batch schedule that also cycles the momentum, dropout steps), with Adam + StepLR (moments, step counts,
 * a per-epoch schedule), and with validation images held out (the best epoch chosen on them) and translation. The
 * killed JVM runs C1-compiled scalar kernels on one thread, slow enough that the kill lands inside the epoch; the
 * straight and the resumed run use this JVM's kernels, so the test also shows that kernel and JIT do not change the
 * bits.
 */
class ResumeTest {
  private static final String ARCH = "c8 c16 m d0.1 c16 c16 m dd0.05 c16 gap fc10";
  private static final int EPOCHS = 3;
  @TempDir static Path dir;
  static Path data;

  @BeforeAll
  static void data() {
    data = SyntheticMnist.directory(dir.resolve("data"), 3000, 100, 11);
  }

  private static List<String> train(String recipe, Path out) {
    List<String> args = new ArrayList<>(List.of("train", "--data", data.toString(), "--arch", ARCH, "--epochs",
        Integer.toString(EPOCHS), "--batch-size", "64", "--seed", "5", "--out", out.toString()));
    args.addAll(List.of(recipe.split(" ")));
    return args;
  }

  @ParameterizedTest
  @ValueSource(strings = {"--optimizer sgd --schedule onecycle --max-lr 0.05",
      "--optimizer adam --lr 0.003 --schedule step --step-size 1 --gamma 0.5",
      "--optimizer sgd --schedule onecycle --max-lr 0.05 --val-split 400 --translate 0.1"})
  void aRunKilledMidEpochResumesToTheUninterruptedRunsBits(String recipe) throws Exception {
    String name = recipe.contains("adam") ? "adam" : recipe.contains("val-split") ? "val" : "sgd";
    Path straight = dir.resolve(name + "-straight");
    Run uninterrupted = MainTest.run(train(recipe, straight).toArray(String[]::new));
    assertThat(uninterrupted.exitCode()).as(uninterrupted.err()).isZero();

    Path killed = dir.resolve(name + "-killed");
    killInEpochTwo(train(recipe, killed));
    assertThat(TrainingState.savedEpoch(killed)).as("epochs saved when killed").isEqualTo(1);
    assertThat(RunConfig.read(killed.resolve("config.json")).status()).isEqualTo(RunConfig.RUNNING);

    Run resumed = MainTest.run("train", "--resume", killed.toString());
    assertThat(resumed.exitCode()).as(resumed.err()).isZero();
    assertThat(resumed.out()).contains("Resuming " + killed + " after epoch 1 of 3").doesNotContain("Epoch 1/3");
    assertThat(sha256(killed.resolve("model.safetensors"))).isEqualTo(sha256(straight.resolve("model.safetensors")));
    assertThat(sha256(killed.resolve("best.safetensors"))).isEqualTo(sha256(straight.resolve("best.safetensors")));
    assertThat(MetricsCsv.read(killed.resolve("metrics.csv")))
        .extracting(m -> List.of(m.valAccuracy(), m.testAccuracy()))
        .isEqualTo(MetricsCsv.read(straight.resolve("metrics.csv")).stream()
            .map(m -> List.of(m.valAccuracy(), m.testAccuracy())).toList());
    assertThat(RunConfig.read(killed.resolve("config.json")).status()).isEqualTo(RunConfig.COMPLETED);

    Run again = MainTest.run("train", "--resume", killed.toString());
    assertThat(again.exitCode()).isEqualTo(Main.USAGE_ERROR);
    assertThat(again.err()).isEqualTo("backprop: " + killed + " has completed all 3 epochs; nothing to resume\n");
  }

  /** Forks the training, waits until epoch 1 is saved and epoch 2 has begun, and sends SIGKILL. */
  private static void killInEpochTwo(List<String> args) throws IOException, InterruptedException {
    String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--add-modules", "jdk.incubator.vector",
        "-XX:TieredStopAtLevel=1", "-Dbackprop.vector=false", "-cp", classPath, Main.class.getName()));
    command.addAll(args);
    command.addAll(List.of("--threads", "1"));
    Path out = Path.of(args.get(args.indexOf("--out") + 1));
    Process process = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    try {
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
      while (!Files.exists(out.resolve(TrainingState.FILE)) && process.isAlive() && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(process.isAlive()).as("the training JVM is still in epoch 2").isTrue();
      Thread.sleep(300); // an epoch takes seconds in that JVM: this is inside epoch 2
    } finally {
      process.destroyForcibly(); // SIGKILL on Linux and macOS: no shutdown hook runs
      process.waitFor(1, TimeUnit.MINUTES);
    }
    assertThat(process.exitValue()).as("killed by SIGKILL").isEqualTo(128 + 9);
  }

  private static String sha256(Path file) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }
}
