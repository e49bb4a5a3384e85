package dev.backprop.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.backprop.cli.MainTest.Run;
import dev.backprop.data.SyntheticMnist;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** bench as a user runs it, with tiny settings: what it prints, never how fast anything is. */
class BenchCommandTest {
  private static final List<String> TINY = List.of("--batches", "2", "--repeat", "1", "--warmup", "1",
      "--batch-size", "16", "--infer-batch-size", "32", "--infer-batches", "2", "--threads", "2");

  @TempDir static Path shared;
  static Path data;

  @BeforeAll
  static void syntheticMnistDirectory() {
    data = SyntheticMnist.directory(shared.resolve("data"), 96, 64, 7);
  }

  private static Run bench(String... args) {
    List<String> all = new ArrayList<>(List.of("bench"));
    all.addAll(List.of(args));
    all.addAll(TINY);
    return MainTest.run(all.toArray(String[]::new));
  }

  @Test
  void jsonIsOneObjectAndNothingElseOnStdout() throws Exception {
    Run run = bench("--synthetic", "--json");
    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out().lines()).hasSize(1);
    assertThat(run.out()).startsWith("{").endsWith("}" + System.lineSeparator());
    JsonNode json = new ObjectMapper().readTree(run.out());
    for (String key : List.of("train_images_per_s", "train_images_per_s_min", "train_images_per_s_max",
        "infer_images_per_s", "infer_images_per_s_min", "infer_images_per_s_max", "train_gflops", "infer_gflops",
        "gemm_ceiling_gflops", "train_ceiling_share", "infer_ceiling_share", "fma_peak_gflops",
        "train_fma_peak_share", "infer_fma_peak_share", "params", "macs", "peak_rss_mb")) {
      assertThat(json.path(key).isNumber()).as(key).isTrue();
      assertThat(json.get(key).asDouble()).as(key).isPositive();
    }
    assertThat(json.get("train_images_per_s_all")).hasSize(1);
    assertThat(json.get("model").asText()).isEqualTo("ref15k");
    assertThat(json.get("params").asLong()).isEqualTo(15_738);
    assertThat(json.get("macs").asLong()).isEqualTo(2_228_832);
    assertThat(json.get("threads").asInt()).isEqualTo(2);
    assertThat(json.get("batch_size").asInt()).isEqualTo(16);
    assertThat(json.get("infer_batch_size").asInt()).isEqualTo(32);
    assertThat(json.get("data").asText()).isEqualTo("synthetic");
    assertThat(json.get("framework").asText()).isEqualTo("backprop");
    assertThat(json.get("jdk").asText()).isEqualTo(Runtime.version().toString());
    assertThat(json.get("gemm").asText()).isNotBlank();
    assertThat(json.get("train_gflops").asDouble())
        .isCloseTo(json.get("train_images_per_s").asDouble() * 6 * 2_228_832 / 1e9, within(1e-9));
    // No product of real data can run faster than the FMA units alone.
    assertThat(json.get("fma_peak_gflops").asDouble()).isGreaterThan(json.get("gemm_ceiling_gflops").asDouble());
  }

  @Test
  void readableReportOnAnMnistDirectoryWithTheLoadersNotice() {
    Run run = bench("--data", data.toString(), "--arch", "c8 m c16 gap fc10");
    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out())
        .contains("custom: ")
        .contains("MNIST from " + data)
        .containsPattern("training +batch +16 x +2 steps +\\d+\\.\\d img/s")
        .containsPattern("inference +batch +32 x +2 steps +\\d+\\.\\d img/s")
        .contains("Measured GEMM ceiling: ")
        .containsPattern("training .* of FMA peak")
        .contains("Measured FMA peak: ")
        .contains("Peak RSS ");
    assertThat(run.err()).contains("not canonical MNIST");
  }

  @ParameterizedTest
  @ValueSource(strings = {
    "--batches 0", "--repeat 0", "--warmup -1", "--batch-size 0", "--infer-batch-size 0", "--infer-batches 0",
    "--batches x", "--threads 0", "--model resnet50", "--arch c8_zz", "--data /no/such/dir", "--batch-size 97",
    "--infer-batch-size 65", "--no-such-option"
  })
  void badOptionsGetOneLineAndExitTwo(String option) {
    String[] tested = option.replace('_', ' ').split(" ", 2);
    List<String> args = new ArrayList<>(List.of("bench"));
    List<String> base = new ArrayList<>(TINY);
    base.addAll(List.of("--data", data.toString()));
    for (int i = 0; i < base.size(); i += 2) { // TINY's settings and --data, except the option under test
      if (!base.get(i).equals(tested[0])) {
        args.addAll(base.subList(i, i + 2));
      }
    }
    args.addAll(List.of(tested));
    Run bad = MainTest.run(args.toArray(String[]::new));
    assertThat(bad.exitCode()).as(bad.err()).isEqualTo(Main.USAGE_ERROR);
    // One line for the error; the loader's notice about the synthetic files is not part of it.
    assertThat(bad.err().lines().filter(line -> !line.startsWith("Try ") && !line.contains("not canonical MNIST"))
        .count()).as(bad.err()).isEqualTo(1);
    assertThat(bad.err()).doesNotContain("Exception").doesNotContain("\tat ");
    assertThat(bad.out()).isEmpty();
  }
}
