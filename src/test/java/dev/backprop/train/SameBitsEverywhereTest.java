package dev.backprop.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The same seed gives the same bits whatever the vector width, the kernel or the thread count: {@link FewSteps}
 * (ref15k and a model with the other layers) trains in forked JVMs with {@code -XX:MaxVectorSize=64}, {@code 32},
 * {@code 16} and {@code -Dbackprop.vector=false}, on 1 and 2 threads, and every run's SHA-256 of weights,
 * gradients, BatchNorm buffers, losses and an eval output must equal the scalar kernel's on one thread. A width this
 * CPU lacks (the JVM then runs narrower vectors than asked) is skipped with a message; the others still run.
 * {@code -XX:UseAVX=2} on an AVX-512 machine gives the AVX2 code paths the same way.
 */
class SameBitsEverywhereTest {
  private static final Pattern BITS = Pattern.compile("(\\d+)-bit");
  private static Run reference;

  /** What a forked run printed: the kernel line and one fingerprint line per model. */
  record Run(String kernel, List<String> fingerprints) {}

  @BeforeAll
  static void scalarOnOneThread() throws Exception {
    reference = fork("-Dbackprop.vector=false", 1);
    assertThat(reference.kernel()).startsWith("scalar");
  }

  @ParameterizedTest(name = "{0} on {2} threads")
  @CsvSource({
      "-XX:MaxVectorSize=64, 512, 2",
      "-XX:MaxVectorSize=64, 512, 1",
      "-XX:MaxVectorSize=32, 256, 2",
      "-XX:MaxVectorSize=32, 256, 1",
      "-XX:MaxVectorSize=16, 128, 2",
      "-Dbackprop.vector=false, 0, 2",
  })
  void trainingGivesTheScalarKernelsBits(String option, int bits, int threads) throws Exception {
    Run run = fork(option, threads);
    if (bits == 0) {
      assertThat(run.kernel()).startsWith("scalar");
    } else {
      assertThat(run.kernel()).as("kernel with %s", option).startsWith("vector");
      Matcher width = BITS.matcher(run.kernel());
      assertThat(width.find()).isTrue();
      assumeThat(Integer.parseInt(width.group(1)))
          .as("this CPU has no %d-bit vectors (%s ran %s)", bits, option, run.kernel()).isEqualTo(bits);
    }
    assertThat(run.fingerprints()).as("%s with %s on %d threads against the scalar kernel on one", reference.kernel(),
        run.kernel(), threads).isEqualTo(reference.fingerprints());
  }

  private static Run fork(String option, int threads) throws IOException, InterruptedException {
    String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--add-modules", "jdk.incubator.vector", "-Xmx512m", option,
        "-cp", classPath, FewSteps.class.getName(), Integer.toString(threads), "ref15k", FewSteps.OTHER_LAYERS));
    Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(5, TimeUnit.MINUTES)).as("forked run finished").isTrue();
    assertThat(process.exitValue()).as("forked run with %s exited; it printed:%n%s", option, out).isZero();
    List<String> lines = out.lines().toList();
    assertThat(lines).as("forked output").hasSize(3);
    assertThat(lines.get(0)).startsWith("kernel: ");
    return new Run(lines.get(0).substring("kernel: ".length()), lines.subList(1, 3));
  }
}
