package dev.backprop.train;

import dev.backprop.UserError;
import dev.backprop.io.Safetensors;
import dev.backprop.io.SafetensorsFile;
import dev.backprop.io.SafetensorsWriter;
import dev.backprop.layers.Buffer;
import dev.backprop.layers.Parameter;
import dev.backprop.layers.Sequential;
import dev.backprop.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A model's state_dict as a safetensors file, under the names PyTorch's nn.Sequential uses, so the same file
 * loads into the equivalent PyTorch model and back. Metadata (architecture, epoch, accuracy) rides along in the
 * header; files saved by PyTorch simply have none.
 */
public final class Checkpoint {
  /** Metadata key holding the architecture in the --arch language, so eval/predict can rebuild the model. */
  public static final String ARCH = "backprop.arch";
  public static final String MODEL = "backprop.model";

  private Checkpoint() {}

  /** Writes atomically (temporary file, then rename): an interrupted save never leaves a torn checkpoint. */
  public static void save(Path file, Sequential model, Map<String, String> metadata) throws IOException {
    writer(model, metadata).write(file);
  }

  /** A writer holding the model's state_dict and {@code metadata}, for callers that add tensors of their own. */
  static SafetensorsWriter writer(Sequential model, Map<String, String> metadata) {
    SafetensorsWriter writer = Safetensors.writer();
    metadata.forEach(writer::metadata);
    for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
      writer.put(e.getKey(), e.getValue().value());
    }
    for (Map.Entry<String, Buffer> e : model.namedBuffers().entrySet()) {
      Buffer buffer = e.getValue();
      if (buffer.integer()) {
        float[] values = buffer.value().data();
        long[] longs = new long[values.length];
        for (int i = 0; i < values.length; i++) {
          longs[i] = (long) values[i];
        }
        writer.putLongs(e.getKey(), longs, buffer.value().shape());
      } else {
        writer.put(e.getKey(), buffer.value());
      }
    }
    return writer;
  }

  public static Map<String, String> metadata(Path file) {
    return Safetensors.read(file).metadata();
  }

  /**
   * Copies every tensor of {@code file} into {@code model}. The names must match exactly, both ways, and the
   * shapes too; otherwise one error lists what is missing, unexpected or mis-shaped (as PyTorch's
   * load_state_dict does).
   */
  public static void load(Path file, Sequential model) {
    load(Safetensors.read(file), model, name -> false);
  }

  /** {@link #load(Path, Sequential)} from an open file, leaving out the tensors {@code skipped} names. */
  static void load(SafetensorsFile st, Sequential model, Predicate<String> skipped) {
    String file = st.source();
    Map<String, Tensor> targets = new LinkedHashMap<>();
    model.namedParameters().forEach((name, p) -> targets.put(name, p.value()));
    model.namedBuffers().forEach((name, b) -> targets.put(name, b.value()));
    List<String> problems = new ArrayList<>();
    for (String name : targets.keySet()) {
      if (!st.contains(name)) {
        problems.add("missing " + name);
      } else if (!Arrays.equals(st.shape(name), targets.get(name).shape())
          && !(st.shape(name).length == 0 && targets.get(name).size() == 1)) {
        problems.add(name + " has shape " + Arrays.toString(st.shape(name)) + ", the model needs "
            + Arrays.toString(targets.get(name).shape()));
      }
    }
    for (String name : st.names()) {
      if (!targets.containsKey(name) && !skipped.test(name)) {
        problems.add("unexpected " + name);
      }
    }
    if (!problems.isEmpty()) {
      String shown = String.join(", ", problems.subList(0, Math.min(6, problems.size())));
      String recorded = st.metadata().get(ARCH);
      throw new UserError(file + " does not fit the model" + (recorded != null ? ", it holds '" + recorded + "'" : "")
          + ": " + shown + (problems.size() > 6 ? " (and " + (problems.size() - 6) + " more)" : ""));
    }
    Map<String, float[]> loaded = new LinkedHashMap<>();
    for (String name : targets.keySet()) {
      float[] values = st.tensor(name).data();
      for (int i = 0; i < values.length; i++) {
        if (!Float.isFinite(values[i])) {
          throw new UserError(file + " holds " + values[i] + " in " + name + " (element " + i + "): not a trained "
              + "model (a run that diverged?)");
        }
      }
      loaded.put(name, values);
    }
    targets.forEach((name, target) -> {
      float[] values = loaded.get(name);
      System.arraycopy(values, 0, target.data(), 0, values.length);
    });
  }
}
