package dev.backprop.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.backprop.UserError;
import dev.backprop.fuzz.Fuzz;
import dev.backprop.fuzz.SafetensorsMutations;
import dev.backprop.io.Safetensors;
import dev.backprop.io.SafetensorsFile;
import dev.backprop.layers.Sequential;
import dev.backprop.models.ArchSpec;
import dev.backprop.tensor.Rng;
import dev.backprop.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loading a checkpoint (what eval, predict and train --init do) from a mutated file: the model takes every value
 * of the file, all finite, or the load is refused in one line naming the file and leaves the model as it was.
 */
class CheckpointPropertyTest {
  private static final String ARCH = "c4 m c8 d0.1 gap fc10";

  @TempDir(factory = Fuzz.InMemory.class) Path dir;

  private static Sequential model() {
    return ArchSpec.build(ARCH, new Rng(3));
  }

  private static byte[] checkpoint(Sequential model) {
    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put(Checkpoint.MODEL, "custom");
    metadata.put(Checkpoint.ARCH, ARCH);
    return Checkpoint.writer(model, metadata).toBytes();
  }

  /** Every tensor of the model, copied: parameters, then buffers. */
  private static Map<String, float[]> state(Sequential model) {
    Map<String, float[]> state = new LinkedHashMap<>();
    model.namedParameters().forEach((name, p) -> state.put(name, p.value().data().clone()));
    model.namedBuffers().forEach((name, b) -> state.put(name, b.value().data().clone()));
    return state;
  }

  @Test
  void aMutatedCheckpointLoadsWhollyOrIsRefusedLeavingTheModelAsItWas() {
    byte[] valid = checkpoint(model());
    Sequential model = ArchSpec.build(ARCH, new Rng(4));
    Fuzz.Report report = Fuzz.forAll("checkpoint", 31, random -> SafetensorsMutations.mutate(valid, random),
        input -> {
          Path file = dir.resolve("model.safetensors");
          Files.write(file, input.bytes());
          Map<String, float[]> before = state(model);
          try {
            Checkpoint.load(file, model);
          } catch (UserError refused) {
            assertThat(refused.getMessage()).contains(file.toString());
            assertThat(state(model)).as("the model after a refused load").containsExactlyEntriesOf(before);
            throw refused;
          }
          SafetensorsFile loaded = Safetensors.read(file);
          state(model).forEach((name, values) -> {
            assertThat(values).as(name).isEqualTo(loaded.tensor(name).data());
            for (float v : values) {
              assertThat(Float.isFinite(v)).as(name + " finite").isTrue();
            }
          });
        });
    Fuzz.assertVaried(report, 300, 25);
  }

  @Test
  void aNonFiniteValueAnywhereIsRefusedNamingTheTensorAndTheValue() throws Exception {
    Sequential source = model();
    byte[] valid = checkpoint(source);
    SafetensorsFile parsed = Safetensors.read(valid, "valid");
    int dataStart = valid.length - Arrays.stream(parsed.names().toArray(String[]::new))
        .mapToInt(name -> parsed.size(name) * parsed.dtype(name).bytes()).sum();
    List<String> floats = new ArrayList<>(source.namedParameters().keySet());
    source.namedBuffers().forEach((name, buffer) -> {
      if (!buffer.integer()) {
        floats.add(name);
      }
    });
    float[] nonFinite = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
    Path file = dir.resolve("diverged.safetensors");
    int offset = 0;
    for (String name : parsed.names()) {
      int bytes = parsed.size(name) * parsed.dtype(name).bytes();
      if (floats.contains(name)) {
        for (int element = 0; element < parsed.size(name); element++) {
          float value = nonFinite[element % 3];
          byte[] bad = valid.clone();
          ByteBuffer.wrap(bad).order(ByteOrder.LITTLE_ENDIAN).putFloat(dataStart + offset + 4 * element, value);
          Files.write(file, bad);
          assertThatThrownBy(() -> Checkpoint.load(file, model()))
              .isInstanceOf(UserError.class)
              .hasMessage(file + " holds " + value + " in " + name + " (element " + element + "): not a trained "
                  + "model (a run that diverged?)");
        }
      }
      offset += bytes;
    }
  }

  @Test
  void everyTruncationIsRefusedAsTruncated() throws Exception {
    byte[] valid = checkpoint(model());
    Path file = dir.resolve("cut.safetensors");
    for (int length = 0; length < valid.length; length++) {
      Files.write(file, Arrays.copyOf(valid, length));
      assertThatThrownBy(() -> Checkpoint.load(file, model()))
          .as("cut to %d of %d bytes", length, valid.length)
          .isInstanceOf(UserError.class)
          .hasMessageStartingWith(file + ": not a valid safetensors file: ")
          .hasMessageContaining("truncated");
    }
  }

  @Test
  void anotherArchitectureIsRefusedNamingBothSides() throws Exception {
    Path file = dir.resolve("other.safetensors");
    Files.write(file, checkpoint(model()));
    Sequential other = ArchSpec.build("c8 m c8 d0.1 gap fc10", new Rng(1));
    Tensor before = other.namedParameters().get("0.weight").value();
    float[] weights = before.data().clone();
    assertThatThrownBy(() -> Checkpoint.load(file, other))
        .isInstanceOf(UserError.class)
        .hasMessage(file + " does not fit the model, it holds '" + ARCH + "': 0.weight has shape [4, 1, 3, 3], the "
            + "model needs [8, 1, 3, 3], 0.bias has shape [4], the model needs [8], 2.weight has shape [4], the model "
            + "needs [8], 2.bias has shape [4], the model needs [8], 4.weight has shape [8, 4, 3, 3], the model needs "
            + "[8, 8, 3, 3], 2.running_mean has shape [4], the model needs [8] (and 1 more)");
    assertThat(before.data()).isEqualTo(weights);
  }
}
