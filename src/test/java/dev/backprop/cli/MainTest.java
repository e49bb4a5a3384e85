package dev.backprop.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class MainTest {

  /** Output of one command-line run. */
  record Run(int exitCode, String out, String err) {}

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void versionNamesTheProgramAndExitsZero() {
    Run run = run("--version");
    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).startsWith("backprop ");
  }

  @Test
  void unknownOptionIsOneClearLineAndExitTwo() {
    Run run = run("--no-such-option");
    assertThat(run.exitCode()).isEqualTo(Main.USAGE_ERROR);
    assertThat(run.err()).contains("Unknown option: '--no-such-option'").doesNotContain("Exception");
  }

  @Test
  void threadsBelowOneIsAUsageError() {
    for (String[] args : new String[][] {
        {"train", "--threads", "0"}, {"eval", "--checkpoint", "nowhere.safetensors", "--threads", "-1"}}) {
      Run run = run(args);
      assertThat(run.exitCode()).as(String.join(" ", args)).isEqualTo(Main.USAGE_ERROR);
      assertThat(run.err()).startsWith("backprop: --threads must be between 1 and ").doesNotContain("Exception");
    }
  }

  @Test
  void summaryVerboseSaysHowEachConvolutionRuns() {
    Run run = run("summary", "--model", "ref15k", "--verbose");
    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).contains("Conv2d-1     im2col (1 sample per product)", "Conv2d-4     shifted windows");
    assertThat(run("summary", "--model", "ref15k").out()).doesNotContain("shifted windows");
  }
}
