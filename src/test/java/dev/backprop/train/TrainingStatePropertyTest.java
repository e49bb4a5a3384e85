package dev.backprop.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backprop.fuzz.Fuzz;
import dev.backprop.io.Safetensors;
import dev.backprop.io.SafetensorsFile;
import dev.backprop.io.SafetensorsWriter;
import dev.backprop.layers.Parameter;
import dev.backprop.layers.Sequential;
import dev.backprop.models.ArchSpec;
import dev.backprop.models.Recipe;
import dev.backprop.optim.Optimizer;
import dev.backprop.tensor.Rng;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A state.safetensors whose metadata was edited by hand (numbers replaced by words, negative, huge, fractional,
 * missing; the dropout steps' list broken) is resumed from, or refused in one line: never an internal error.
 */
class TrainingStatePropertyTest {
  private static final String ARCH = "c4 d0.1 m c8 dd0.1 gap fc10";
  private static final Recipe RECIPE = new Recipe("sgd", 0.05, 0.9, false, 0, "none", 0, 0, 0, 3, 32, 0, 0, 0);
  private static final String[] VALUES = {"", "two", "-1", "0", "1", "2", "3", "1e400", "NaN", "Infinity", "-0",
      "1.5", " 1", "0x10", "99.5", "101", "2147483648", "1,2", ",", "1,", "-5,3", "7,7,7", "0.05", "0.9"};

  @TempDir(factory = Fuzz.InMemory.class) Path dir;

  private static Sequential model() {
    return ArchSpec.build(ARCH, new Rng(6));
  }

  /** The model's state after one SGD step (so that momentum buffers exist), as saved after epoch 1. */
  private static byte[] validState(Path runDir) throws Exception {
    Sequential model = model();
    Optimizer optimizer = RECIPE.buildOptimizer(model.parameters());
    for (Parameter p : model.parameters()) {
      java.util.Arrays.fill(p.grad().data(), 0.01f);
    }
    optimizer.step();
    TrainingState.save(runDir, model, optimizer, new TrainingState.Progress(1, 87.5), false);
    return Files.readAllBytes(runDir.resolve(TrainingState.FILE));
  }

  /** The same file with one to three metadata entries set to odd values or removed. */
  private static Fuzz.Input edit(SafetensorsFile valid, SplittableRandom random) {
    Map<String, String> metadata = new LinkedHashMap<>(valid.metadata());
    List<String> keys = new ArrayList<>(metadata.keySet());
    List<String> how = new ArrayList<>();
    for (int i = 1 + random.nextInt(3); i > 0; i--) {
      String key = keys.get(random.nextInt(keys.size()));
      if (random.nextInt(8) == 0) {
        metadata.remove(key);
        how.add(key + " removed");
      } else {
        String value = VALUES[random.nextInt(VALUES.length)];
        metadata.put(key, value);
        how.add(key + " = '" + value + "'");
      }
    }
    SafetensorsWriter writer = Safetensors.writer();
    metadata.forEach(writer::metadata);
    for (String name : valid.names()) {
      if (valid.dtype(name).isFloatingPoint()) {
        writer.putFloats(name, valid.floats(name), valid.shape(name));
      } else {
        writer.putLongs(name, valid.longs(name), valid.shape(name));
      }
    }
    return new Fuzz.Input(writer.toBytes(), String.join(", ", how));
  }

  @Test
  void anEditedStateResumesOrIsRefusedInOneLine() throws Exception {
    SafetensorsFile valid = Safetensors.read(validState(dir), "valid");
    Fuzz.Report report = Fuzz.forAll("training-state", 51, Fuzz.CASES / 10, random -> edit(valid, random),
        input -> {
          Files.write(dir.resolve(TrainingState.FILE), input.bytes());
          int saved = TrainingState.savedEpoch(dir);
          Sequential model = model();
          TrainingState.Progress progress = TrainingState.load(dir, model, RECIPE.buildOptimizer(model.parameters()), false);
          assertThat(progress.epoch()).isEqualTo(saved).isPositive();
          assertThat(progress.bestAccuracy()).isBetween(0.0, 100.0);
        });
    Fuzz.assertVaried(report, 20, 8);
  }
}
