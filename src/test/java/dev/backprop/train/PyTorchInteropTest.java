package dev.backprop.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.backprop.data.BatchLoader;
import dev.backprop.data.MnistSet;
import dev.backprop.data.SyntheticMnist;
import dev.backprop.golden.Golden;
import dev.backprop.io.NonTrivialModels;
import dev.backprop.io.Safetensors;
import dev.backprop.io.SafetensorsFile;
import dev.backprop.layers.BatchNorm2d;
import dev.backprop.layers.Sequential;
import dev.backprop.models.ArchSpec;
import dev.backprop.tensor.Rng;
import dev.backprop.tensor.Tensor;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * safetensors both ways with PyTorch's {@code nn.Sequential}, from the fixtures and scripts in {@code tools/interop}:
 * a state_dict PyTorch saved loads here and computes PyTorch's log-probabilities; our checkpoints carry exactly the
 * names, dtypes and shapes PyTorch's state_dict has (what {@code load_state_dict(strict=True)} demands), checked
 * against the list PyTorch wrote, and, where Debian's python3-torch is installed, PyTorch loads them with
 * strict=True and computes our log-probabilities.
 *
 * <p>Error model: the same float32 weights on both sides, float32 arithmetic in other orders (PyTorch's oneDNN and
 * MKL kernels, ours in the canonical order): each sum of k terms differs by about √k·2^-24 of its magnitude, k ≤
 * 288 here, through at most eight convolutions; the log-probabilities must agree within 1e-5 of their largest
 * magnitude, the bound the layer tests use (docs/design.md, "Verification"), well above that.
 */
class PyTorchInteropTest {
  private static final double TOLERANCE = 1e-5;
  private static final Path PYTHON = Path.of("/usr/bin/python3");
  private static final Path LOAD_CHECKPOINT = Path.of("tools/interop/load_checkpoint.py");
  private static final String REGENERATE = "/usr/bin/python3 tools/interop/make_fixtures.py";

  @Test
  void aStateDictSavedByPyTorchLoadsAndGivesPyTorchsLogProbabilities() throws Exception {
    SafetensorsFile expected = Safetensors.read(resource("pytorch_small_expected.safetensors"));
    Path stateDict = resource("pytorch_small.safetensors");
    Sequential model = ArchSpec.build(expected.metadata().get("arch"), new Rng(0));

    Checkpoint.load(stateDict, model);

    SafetensorsFile saved = Safetensors.read(stateDict);
    BatchNorm2d norm = (BatchNorm2d) model.layers().get(2);
    assertThat(norm.runningVar().data()).containsExactly(saved.floats("2.running_var"));
    assertThat(norm.numBatchesTracked()).isEqualTo(saved.longs("2.num_batches_tracked")[0]).isEqualTo(5);
    float[] ours = model.infer(expected.tensor("input")).copy().data();
    Golden.assertRelative("log-probabilities of PyTorch's state_dict", expected.floats("output"), ours, TOLERANCE);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.backprop.io.NonTrivialModels#architectures")
  void ourCheckpointHasTheNamesDtypesAndShapesOfPyTorchsStateDict(String name, String arch, @TempDir Path dir)
      throws IOException, URISyntaxException {
    Map<String, List<String>> pytorch = pyTorchStateDicts();
    assertThat(pytorch).as("tools/interop/make_fixtures.py's ARCHS lack %s's architecture: add it and run %s",
        name, REGENERATE).containsKey(arch);
    Path file = dir.resolve("model.safetensors");
    Checkpoint.save(file, ArchSpec.build(arch, new Rng(1)), Map.of());

    SafetensorsFile ours = Safetensors.read(file);
    List<String> entries = ours.names().stream()
        .map(n -> n + " " + ours.dtype(n) + " " + Arrays.toString(ours.shape(n)))
        .toList();
    assertThat(entries).containsExactlyInAnyOrderElementsOf(pytorch.get(arch));
  }

  @Test
  void pyTorchLoadsOurCheckpointsWithStrictTrueAndComputesOurLogProbabilities(@TempDir Path dir) throws Exception {
    assumeTrue(torchInstalled(), "Debian's python3-torch is not installed (apt-get install python3-torch): "
        + "PyTorch's side of this direction is checked by ourCheckpointHasTheNamesDtypesAndShapesOfPyTorchsStateDict");
    MnistSet images = SyntheticMnist.realOrSynthetic(MnistSet.Split.TEST, 200, 21);
    Tensor input;
    try (BatchLoader loader = new BatchLoader(images, BatchLoader.Options.evaluation(8))) {
      input = loader.epoch(0).iterator().next().images().copy();
    }
    Path inputs = dir.resolve("inputs.safetensors");
    Safetensors.writer().put("input", input).write(inputs);
    Map<String, float[]> ours = new LinkedHashMap<>();
    List<String> command = new ArrayList<>(List.of(PYTHON.toString(), LOAD_CHECKPOINT.toString(), "--inputs",
        inputs.toString()));
    NonTrivialModels.architectures().forEach(arguments -> {
      String name = (String) arguments.get()[0];
      String arch = (String) arguments.get()[1];
      Sequential model = NonTrivialModels.build(arch, images, 9);
      Path file = dir.resolve(name + ".safetensors");
      try {
        Checkpoint.save(file, model, Map.of(Checkpoint.MODEL, name, Checkpoint.ARCH, arch));
      } catch (IOException e) {
        throw new AssertionError(e);
      }
      ours.put(file.toString(), model.infer(input).copy().data());
      command.add(file.toString());
    });

    JsonNode theirs = new ObjectMapper().readTree(run(command));

    ours.forEach((file, expected) -> {
      JsonNode rows = theirs.get(file);
      assertThat(rows).as("PyTorch's answer for %s", file).isNotNull();
      float[] torch = new float[expected.length];
      for (int i = 0; i < torch.length; i++) {
        torch[i] = (float) rows.get(i / 10).get(i % 10).asDouble();
      }
      Golden.assertRelative("PyTorch's log-probabilities for " + file, torch, expected, TOLERANCE);
    });
  }

  /** state_dicts.txt: for each architecture, PyTorch's "name DTYPE [shape]" lines. */
  private static Map<String, List<String>> pyTorchStateDicts() throws IOException, URISyntaxException {
    Map<String, List<String>> byArch = new LinkedHashMap<>();
    List<String> current = null;
    for (String line : Files.readAllLines(resource("state_dicts.txt"))) {
      if (line.startsWith("arch ")) {
        current = new ArrayList<>();
        byArch.put(line.substring("arch ".length()), current);
      } else if (!line.isBlank() && !line.startsWith("#")) {
        current.add(line);
      }
    }
    return byArch;
  }

  private static Path resource(String name) throws URISyntaxException {
    var url = PyTorchInteropTest.class.getResource("/interop/" + name);
    assertThat(url).as("no fixture interop/%s: run %s", name, REGENERATE).isNotNull();
    return Path.of(url.toURI());
  }

  private static boolean torchInstalled() throws IOException, InterruptedException {
    if (!Files.isExecutable(PYTHON)) {
      return false;
    }
    Process probe = new ProcessBuilder(PYTHON.toString(), "-c", "import torch").redirectErrorStream(true).start();
    probe.getInputStream().readAllBytes();
    return probe.waitFor(60, TimeUnit.SECONDS) && probe.exitValue() == 0;
  }

  private static String run(List<String> command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("%s finished", command).isTrue();
    assertThat(process.exitValue()).as("exit code of %s", command).isZero();
    return out;
  }
}
