package dev.backprop.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import dev.backprop.cli.MainTest.Run;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SheetCommandTest {

  @TempDir Path temp;

  private Run sheet(String... options) {
    List<String> args = new ArrayList<>(List.of("sheet", "--out", temp.resolve("out").toString()));
    args.addAll(List.of(options));
    return MainTest.run(args.toArray(String[]::new));
  }

  @Test
  void defaultRunDerivesStepZeroTabulatesEachRateAndWritesTheFiles() throws IOException {
    Run run = sheet();

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.err()).isEmpty();
    assertThat(run.out())
        .contains("  h1 = w1·i1 + w2·i2 = 0.15·0.05 + 0.2·0.1 = 0.0275")
        .contains("  E_total = E1 + E2 = 0.00566875 + 0.00851262 = 0.0141813779")
        .contains("  ∂E/∂w5 = (a_o1 − t1)·a_o1·(1 − a_o1)·a_h1 = δ_o1·a_h1 = 0.0254122·0.506875 = 0.0128808186")
        .contains("  ∂E/∂w1 = ∂E/∂a_h1·a_h1·(1 − a_h1)·i1 = 0.0253643·0.506875·(1 − 0.506875)·0.05"
            + " = 0.000316993396")
        .contains("  η = 0.1: E_total after 100 steps = 0.00784739674 (step 0: 0.0141813779)")
        .contains("  η = 2.0: E_total after 100 steps = 2.54679993e-8 (step 0: 0.0141813779)")
        .containsPattern("Check: max \\|formula − central difference\\| over the 8 gradients at step 0 = "
            + "\\d(\\.\\d)?e-1\\d < 1e-9")
        .contains("Wrote 14 files to " + temp.resolve("out") + ":");
    for (int w = 1; w <= 8; w++) {
      assertThat(run.out()).contains("  ∂E/∂w" + w + " = ");
    }
    assertThat(run.out().lines()).allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(100));
    try (Stream<Path> files = Files.list(temp.resolve("out"))) {
      assertThat(files).hasSize(14);
    }
  }

  @Test
  void tableShowsEveryTenthStepAndTheLast() {
    Run run = sheet("--lr", "0.5", "--steps", "25");

    List<String> rows = run.out().lines().filter(line -> line.matches("\\s+\\d+\\s+\\d\\.\\d{6}e-\\d\\d .*"))
        .map(line -> line.strip().split("\\s+")[0]).toList();
    assertThat(rows).containsExactly("0", "10", "20", "25");
    assertThat(run.out()).contains("  step       E_total       w1       w2       w3       w4       w5       w6"
        + "       w7       w8");
  }

  @Test
  void mazurPresetShowsTheBiasesAndHisNumbers() {
    Run run = sheet("--preset", "mazur", "--lr", "0.5", "--steps", "1");

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out())
        .contains("  biases  b1 = 0.35 (both hidden units), b2 = 0.6 (both outputs), fixed")
        .contains("  h1 = w1·i1 + w2·i2 + b1 = 0.15·0.05 + 0.2·0.1 + 0.35 = 0.3775")
        .contains("  E_total = E1 + E2 = 0.274811 + 0.02356 = 0.298371109")
        .contains("  ∂E/∂b2 = δ_o1 + δ_o2 = 0.138499 + (-0.0380982) = 0.100400325")
        .contains("over the 10 gradients at step 0")
        .containsPattern("\\n\\s+1  2\\.910278e-01  0\\.14978  0\\.19956  0\\.24975  0\\.29950  0\\.35892 ");
    assertThat(run.out().lines()).allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(100));
  }

  @Test
  void trainedBiasesAreReportedAtTheEnd() {
    Run run = sheet("--preset", "mazur", "--train-biases", "--lr", "0.5", "--steps", "10");

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).contains(", trained").containsPattern("after 10 steps = .*; b1 = .*, b2 = ");
  }

  @Test
  void explicitOptionsOverrideThePreset() {
    Run run = sheet("--preset", "mazur", "--targets", "0.2,0.8", "--biases", "0,0.5", "--steps", "1");

    assertThat(run.out()).contains("targets t1 = 0.2, t2 = 0.8").contains("b1 = 0 (both hidden units)")
        .contains("inputs  i1 = 0.05, i2 = 0.1");
  }

  @ParameterizedTest
  @ValueSource(strings = {
    "--steps abc", "--steps 0", "--steps -5", "--steps 2.5", "--steps 10001", "--steps 99999999999999999",
    "--lr ", "--lr 0.1,abc", "--lr 0.1,,0.2", "--lr 0,0.1", "--lr -0.5", "--lr 0.1,0.1", "--lr NaN",
    "--lr 0x1p3", "--weights 0.1,0.2,0.3", "--weights 1,2,3,4,5,6,7,eight", "--weights 1,2,3,4,5,6,7,8,9",
    "--inputs 0.1", "--inputs 1e999,0", "--targets 0.1,0.2,0.3", "--biases 0.35", "--preset nope",
    "--train-biases"
  })
  void badInputIsOneLineAndExitTwo(String options) {
    String[] parts = options.split(" ", 2);
    Run run = parts.length == 1 ? sheet(parts[0]) : sheet(parts[0], parts[1]);

    assertThat(run.exitCode()).as(run.err()).isEqualTo(Main.USAGE_ERROR);
    assertThat(run.err().lines()).singleElement().asString().startsWith("backprop: " + parts[0] + ": ");
    assertThat(run.err()).doesNotContain("Exception");
    assertThat(run.out()).isEmpty();
  }

  @Test
  void outThatIsAFileIsOneLineAndExitTwo() throws IOException {
    Path file = Files.writeString(temp.resolve("a-file"), "not a directory");

    for (Path out : List.of(file, file.resolve("below"))) {
      Run run = MainTest.run("sheet", "--steps", "1", "--out", out.toString());

      assertThat(run.exitCode()).as(run.err()).isEqualTo(Main.USAGE_ERROR);
      assertThat(run.err().lines()).singleElement().asString().startsWith("backprop: cannot ")
          .contains(out.toString());
      assertThat(run.out()).isEmpty();
    }
  }

  @Test
  void refusesToOverwriteAnEarlierRunUnlessForced() throws IOException {
    assertThat(sheet("--lr", "0.5,1.0", "--steps", "3").exitCode()).isZero();
    Path csv = temp.resolve("out").resolve("steps_lr0.5.csv");

    Run refused = sheet("--lr", "0.5,1.0", "--steps", "7");
    assertThat(refused.exitCode()).isEqualTo(Main.USAGE_ERROR);
    assertThat(refused.err().lines()).singleElement().asString()
        .startsWith("backprop: refusing to overwrite steps_lr0.5.csv, steps_lr1.0.csv, backprop.xlsx, ")
        .contains("loss_lr1.0.png in " + temp.resolve("out")).contains("--force");
    assertThat(Files.readAllLines(csv)).hasSize(1 + 4);

    Run forced = sheet("--lr", "0.5,1.0", "--steps", "7", "--force");
    assertThat(forced.exitCode()).as(forced.err()).isZero();
    assertThat(Files.readAllLines(csv)).hasSize(1 + 8);
  }

  @Test
  void aRefusedRunWritesNothing() throws IOException {
    Path out = Files.createDirectories(temp.resolve("out"));
    Files.writeString(out.resolve("loss_curves.png"), "someone else's chart");

    Run run = sheet("--steps", "1");

    assertThat(run.exitCode()).isEqualTo(Main.USAGE_ERROR);
    assertThat(run.err()).contains("loss_curves.png").doesNotContain("backprop.xlsx");
    try (Stream<Path> files = Files.list(out)) {
      assertThat(files).containsExactly(out.resolve("loss_curves.png"));
    }
  }

  @Test
  void helpShowsTheOptionsAndTheirDefaults() {
    Run run = MainTest.run("sheet", "--help");

    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).contains("--lr=η,...").contains("0.1,0.2,0.5,0.8,1.0,2.0").contains("--preset")
        .contains("--train-biases").contains("out/sheet").contains("--force");
    assertThat(run.out().lines()).allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(100));
  }
}
