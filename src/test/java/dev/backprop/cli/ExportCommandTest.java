package dev.backprop.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backprop.io.onnx.proto.Onnx.ModelProto;
import dev.backprop.io.onnx.proto.Onnx.StringStringEntryProto;
import dev.backprop.layers.Sequential;
import dev.backprop.models.Zoo;
import dev.backprop.tensor.Rng;
import dev.backprop.train.Checkpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `backprop export` end to end: what it writes, what it prints, what it refuses. (Parity: OnnxExportTest.) */
class ExportCommandTest {
  @TempDir Path dir;

  private Path checkpoint(String model) throws Exception {
    Sequential net = Zoo.get(model).build(new Rng(3));
    Path file = dir.resolve(model + ".safetensors");
    Checkpoint.save(file, net, Map.of(Checkpoint.MODEL, model, Checkpoint.ARCH, Zoo.get(model).arch()));
    return file;
  }

  private static Map<String, String> metadata(Path onnx) throws Exception {
    return ModelProto.parseFrom(Files.readAllBytes(onnx)).getMetadataPropsList().stream()
        .collect(Collectors.toMap(StringStringEntryProto::getKey, StringStringEntryProto::getValue));
  }

  @Test
  void writesTheRecordedModelAndSaysWhat() throws Exception {
    Path onnx = dir.resolve("model.onnx");
    MainTest.Run run = MainTest.run("export", "--checkpoint", checkpoint("squeeze-expand").toString(),
        "--onnx", onnx.toString());

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).matches("Exported squeeze-expand \\(16,994 parameters\\) to .*model\\.onnx: \\d+ ONNX "
        + "nodes, opset 17, [\\d,]+ bytes\\R");
    ModelProto proto = ModelProto.parseFrom(Files.readAllBytes(onnx));
    assertThat(proto.getProducerName()).isEqualTo("backprop");
    assertThat(proto.getProducerVersion()).isEqualTo(Versions.backprop()).isNotEqualTo("unknown");
    assertThat(metadata(onnx)).containsEntry("model", "squeeze-expand")
        .containsEntry("arch", Zoo.get("squeeze-expand").arch());
    assertThat(Files.list(dir)).hasSize(2); // no temporary file left
  }

  @Test
  void archNamesTheModelCustom() throws Exception {
    Path onnx = dir.resolve("custom.onnx");
    String arch = Zoo.get("ref15k").arch();
    MainTest.Run run = MainTest.run("export", "--checkpoint", checkpoint("ref15k").toString(), "--arch", arch,
        "--onnx", onnx.toString());
    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(metadata(onnx)).containsEntry("model", "custom").containsEntry("arch", arch);
  }

  @Test
  void anExistingFileIsReplacedOnlyWithForce() throws Exception {
    Path onnx = dir.resolve("mine.onnx");
    Files.writeString(onnx, "the user's file");
    String from = checkpoint("ref15k").toString();

    MainTest.Run refused = MainTest.run("export", "--checkpoint", from, "--onnx", onnx.toString());
    assertThat(refused.exitCode()).isEqualTo(Main.USAGE_ERROR);
    assertThat(refused.err()).isEqualTo("backprop: " + onnx + " exists; add --force to replace it\n");
    assertThat(Files.readString(onnx)).isEqualTo("the user's file");

    MainTest.Run forced = MainTest.run("export", "--checkpoint", from, "--onnx", onnx.toString(), "--force");
    assertThat(forced.exitCode()).as(forced.err()).isZero();
    assertThat(metadata(onnx)).containsEntry("model", "ref15k");
  }

  @Test
  void mistakesAreOneLineAndExitTwo() throws Exception {
    String from = checkpoint("ref15k").toString();
    String[][] mistakes = {
        {"export", "--checkpoint", dir.resolve("none.safetensors").toString(), "--onnx", dir.resolve("a.onnx")
            .toString()},
        {"export", "--checkpoint", from, "--onnx", dir.resolve("no/such/dir/a.onnx").toString()},
        {"export", "--checkpoint", from, "--onnx", dir.toString()},
        {"export", "--checkpoint", from, "--model", "conv5-gap-fc", "--onnx", dir.resolve("b.onnx").toString()},
        {"export", "--checkpoint", from},
    };
    for (String[] args : mistakes) {
      MainTest.Run run = MainTest.run(args);
      assertThat(run.exitCode()).as(String.join(" ", args)).isEqualTo(Main.USAGE_ERROR);
      assertThat(run.err()).as(String.join(" ", args)).startsWith("backprop: ").doesNotContain("Exception");
    }
    assertThat(Files.exists(dir.resolve("a.onnx"))).isFalse();
    assertThat(Files.exists(dir.resolve("b.onnx"))).isFalse();
  }
}
