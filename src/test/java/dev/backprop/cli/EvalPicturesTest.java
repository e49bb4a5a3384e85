package dev.backprop.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.backprop.cli.MainTest.Run;
import dev.backprop.data.SyntheticMnist;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where eval puts its pictures: beside the checkpoint, numbered rather than replacing an earlier eval's; and when
 * that place cannot be written, the results are printed all the same, then one line says so (exit 2).
 */
class EvalPicturesTest {
  @TempDir static Path dir;
  static Path data;
  static Path checkpoint;

  @BeforeAll
  static void train() throws IOException {
    data = SyntheticMnist.directory(dir.resolve("data"), 64, 30, 6);
    Path run = dir.resolve("run");
    Run train = MainTest.run("train", "--data", data.toString(), "--arch", "c4 m c8 gap fc10", "--epochs", "1",
        "--batch-size", "32", "--out", run.toString());
    assertThat(train.exitCode()).as(train.err()).isZero();
    checkpoint = run.resolve("best.safetensors");
  }

  private static Run eval(Path checkpoint, String... more) {
    String[] args = {"eval", "--checkpoint", checkpoint.toString(), "--data", data.toString()};
    String[] all = new String[args.length + more.length];
    System.arraycopy(args, 0, all, 0, args.length);
    System.arraycopy(more, 0, all, args.length, more.length);
    return MainTest.run(all);
  }

  private static void assertResultsThenOneLine(Run run, String problem) {
    assertThat(run.exitCode()).isEqualTo(Main.USAGE_ERROR);
    assertThat(run.out()).startsWith("Test accuracy ").contains("\nPer class:  0 ").doesNotContain("Wrote");
    assertThat(run.err().replaceAll("backprop: .* is not canonical MNIST .*\n", ""))
        .startsWith("backprop: cannot write the pictures: ")
        .contains(problem)
        .endsWith("; the results are complete (choose a writable --out)\n")
        .hasLineCount(1);
  }

  @Test
  void aSecondEvalNumbersItsPicturesInsteadOfReplacingTheFirst() throws Exception {
    Path copy = Files.createDirectories(dir.resolve("numbered")).resolve("best.safetensors");
    Files.copy(checkpoint, copy);
    Run first = eval(copy);
    assertThat(first.exitCode()).as(first.err()).isZero();
    byte[] firstConfusion = Files.readAllBytes(copy.resolveSibling("best-confusion.png"));
    Files.writeString(copy.resolveSibling("best-misclassified.png"), "mine");
    Run second = eval(copy);
    assertThat(second.exitCode()).as(second.err()).isZero();
    assertThat(second.out()).contains("Wrote " + copy.resolveSibling("best-confusion-2.png") + " and "
        + copy.resolveSibling("best-misclassified-2.png"));
    assertThat(Files.readAllBytes(copy.resolveSibling("best-confusion.png"))).isEqualTo(firstConfusion);
    assertThat(copy.resolveSibling("best-misclassified.png")).hasContent("mine");
  }

  /** A path under a regular file cannot be created, whoever runs the test (root included). */
  @Test
  void anOutFolderThatCannotBeCreatedStillPrintsTheResults() throws Exception {
    Path file = Files.writeString(dir.resolve("a-file"), "not a folder");
    Run run = eval(checkpoint, "--out", file.resolve("pictures").toString());
    assertResultsThenOneLine(run, "cannot create " + file.resolve("pictures"));
    assertThat(file).hasContent("not a folder");

    Run json = eval(checkpoint, "--out", file.resolve("pictures").toString(), "--json");
    assertThat(json.exitCode()).isEqualTo(Main.USAGE_ERROR);
    JsonNode report = new ObjectMapper().readTree(json.out());
    assertThat(report.get("total").asInt()).isEqualTo(30);
    assertThat(report.get("confusion_png").isNull()).isTrue();
    assertThat(report.get("pictures_error").asText()).startsWith("cannot write the pictures: ");
    assertThat(json.err().replaceAll("backprop: .* is not canonical MNIST .*\n", "")).hasLineCount(1);
  }

  /**
   * The checkpoint's own folder made read-only: by its permissions, or (as root, whom permissions do not stop)
   * made immutable with chattr; skipped where neither takes effect.
   */
  @Test
  void aReadOnlyCheckpointFolderStillPrintsTheResults() throws Exception {
    Path folder = Files.createDirectories(dir.resolve("read-only"));
    Path copy = Files.copy(checkpoint, folder.resolve("best.safetensors"));
    Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("r-xr-xr-x"));
    boolean immutable = false;
    try {
      if (Files.isWritable(folder)) {
        immutable = chattr("+i", folder);
      }
      assumeTrue(!Files.isWritable(folder) || immutable, "cannot make a folder read-only here");
      Run run = eval(copy);
      assertResultsThenOneLine(run, folder.resolve("best-confusion.png").toString());
      try (var files = Files.list(folder)) {
        assertThat(files).containsExactly(copy);
      }
    } finally {
      if (immutable) {
        chattr("-i", folder);
      }
      Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
  }

  private static boolean chattr(String flag, Path path) throws InterruptedException {
    try {
      Process chattr = new ProcessBuilder("chattr", flag, path.toString()).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      return chattr.waitFor() == 0;
    } catch (IOException noChattr) {
      return false;
    }
  }
}
