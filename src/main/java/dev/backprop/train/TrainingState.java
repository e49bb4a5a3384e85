package dev.backprop.train;

import dev.backprop.UserError;
import dev.backprop.io.Safetensors;
import dev.backprop.io.SafetensorsFile;
import dev.backprop.io.SafetensorsWriter;
import dev.backprop.layers.AbstractDropout;
import dev.backprop.layers.Layer;
import dev.backprop.layers.Sequential;
import dev.backprop.optim.Optimizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * {@code state.safetensors}: everything a run needs to continue after its last completed epoch, written atomically
 * after that epoch's other files. The model's state_dict under its usual names (weights and BatchNorm buffers), the
 * optimizer's state as {@code optimizer.state.<index>.<name>} (PyTorch's names: {@code momentum_buffer},
 * {@code exp_avg}, {@code exp_avg_sq}, {@code step}) and, in the metadata, the epoch, the best test accuracy so far
 * (which decides whether a later epoch replaces best.safetensors), the learning rate and momentum the next step uses
 * and each dropout layer's step. A file that was edited by hand is refused in one line naming the entry.
 *
 * <p>The other random streams need no state: shuffling and augmentation are functions of (seed, epoch, index),
 * dropout masks of (seed, step, sample, unit), and the schedules are replayed (their values depend only on how
 * often they stepped). So a resumed run takes every later step with the bits of an uninterrupted one.
 */
public final class TrainingState {
  public static final String FILE = "state.safetensors";
  private static final String OPTIMIZER = "optimizer.state.";
  private static final String EPOCH = "backprop.epoch";
  private static final String BEST_ACCURACY = "backprop.best_test_acc";
  private static final String BEST_VALIDATION_ACCURACY = "backprop.best_val_acc";
  private static final String LEARNING_RATE = "backprop.lr";
  private static final String MOMENTUM = "backprop.momentum";
  private static final String DROPOUT_STEPS = "backprop.dropout_steps";

  /**
   * Where a saved run stands: its last completed epoch and the best selection accuracy (percent) up to it: on the
   * validation images when the run holds some out, else on the test set.
   */
  public record Progress(int epoch, double bestAccuracy) {}

  private TrainingState() {}

  static void save(Path runDir, Sequential model, Optimizer optimizer, Progress progress, boolean validation) {
    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put(EPOCH, Integer.toString(progress.epoch()));
    metadata.put(bestAccuracyKey(validation), Double.toString(progress.bestAccuracy()));
    metadata.put(LEARNING_RATE, Double.toString(optimizer.learningRate()));
    metadata.put(MOMENTUM, Double.toString(optimizer.momentum()));
    metadata.put(DROPOUT_STEPS, dropouts(model).stream().map(d -> Long.toString(d.step()))
        .collect(Collectors.joining(",")));
    SafetensorsWriter writer = Checkpoint.writer(model, metadata);
    optimizer.state().forEach((key, values) -> writer.putFloats(OPTIMIZER + key, values, values.length));
    writer.write(runDir.resolve(FILE));
  }

  /** The epoch saved in {@code runDir}, or 0 when no epoch completed there. */
  public static int savedEpoch(Path runDir) {
    Path file = runDir.resolve(FILE);
    return Files.exists(file) ? epoch(Safetensors.read(file)) : 0;
  }

  private static int epoch(SafetensorsFile st) {
    String value = metadata(st, EPOCH);
    try {
      int epoch = Integer.parseInt(value);
      if (epoch >= 1) {
        return epoch;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw edited(st, EPOCH, value, "an epoch number (1, 2, ...)");
  }

  /**
   * Loads the saved state into a freshly built {@code model} and {@code optimizer} whose schedules have already been
   * replayed to the saved epoch; the learning rate and momentum they reached must be the saved ones, bit for bit.
   * {@code validation} says whether the run selects its best epoch on validation images, as the state must.
   */
  static Progress load(Path runDir, Sequential model, Optimizer optimizer, boolean validation) {
    Path file = runDir.resolve(FILE);
    SafetensorsFile st = Safetensors.read(file);
    if (!st.metadata().containsKey(bestAccuracyKey(validation))
        && st.metadata().containsKey(bestAccuracyKey(!validation))) {
      throw new UserError(file + " chose its best epoch on the " + (validation ? "test set" : "validation images")
          + ", the run's config.json on the " + (validation ? "validation images" : "test set"));
    }
    Checkpoint.load(st, model, name -> name.startsWith(OPTIMIZER));
    Map<String, float[]> optimizerState = new LinkedHashMap<>();
    for (String name : st.names()) {
      if (name.startsWith(OPTIMIZER)) {
        optimizerState.put(name.substring(OPTIMIZER.length()), st.floats(name));
      }
    }
    try {
      optimizer.loadState(optimizerState);
    } catch (IllegalArgumentException e) {
      throw new UserError(file + " does not fit the run's optimizer: " + e.getMessage());
    }
    requireSame(st, LEARNING_RATE, optimizer.learningRate());
    requireSame(st, MOMENTUM, optimizer.momentum());
    List<AbstractDropout> dropouts = dropouts(model);
    String steps = metadata(st, DROPOUT_STEPS);
    long[] dropoutSteps;
    try {
      dropoutSteps = steps.isEmpty() ? new long[0]
          : Arrays.stream(steps.split(",", -1)).mapToLong(Long::parseLong).toArray();
    } catch (NumberFormatException e) {
      throw edited(st, DROPOUT_STEPS, steps, "step counts separated by commas");
    }
    if (dropoutSteps.length != dropouts.size() || Arrays.stream(dropoutSteps).anyMatch(step -> step < 0)) {
      throw edited(st, DROPOUT_STEPS, steps, dropouts.size() + " step counts (one per dropout layer), none negative");
    }
    for (int i = 0; i < dropoutSteps.length; i++) {
      dropouts.get(i).setStep(dropoutSteps[i]);
    }
    String bestKey = bestAccuracyKey(validation);
    double best = number(st, bestKey);
    if (!(best >= 0 && best <= 100)) {
      throw edited(st, bestKey, metadata(st, bestKey), "an accuracy in percent");
    }
    return new Progress(epoch(st), best);
  }

  private static String bestAccuracyKey(boolean validation) {
    return validation ? BEST_VALIDATION_ACCURACY : BEST_ACCURACY;
  }

  /**
   * The schedules were replayed to the saved epoch from the options in config.json: the learning rate (or momentum)
   * they reached must be the saved one, bit for bit, or the two files do not belong together.
   */
  private static void requireSame(SafetensorsFile st, String key, double replayed) {
    double saved = number(st, key);
    if (Double.doubleToLongBits(saved) != Double.doubleToLongBits(replayed)) {
      throw new UserError(st.source() + " holds " + key + " " + metadata(st, key) + " where the options in "
          + "config.json give " + replayed + " after that epoch: one of the two was edited, or they come from "
          + "different runs");
    }
  }

  private static double number(SafetensorsFile st, String key) {
    String value = metadata(st, key);
    try {
      return Double.parseDouble(value);
    } catch (NumberFormatException e) {
      throw edited(st, key, value, "a number");
    }
  }

  private static UserError edited(SafetensorsFile st, String key, String value, String expected) {
    return new UserError(st.source() + ": metadata " + key + " is '" + value + "', not " + expected
        + " (edited by hand?)");
  }

  private static String metadata(SafetensorsFile st, String key) {
    String value = st.metadata().get(key);
    if (value == null) {
      throw new UserError(st.source() + " is not a training state of backprop (no " + key + ")");
    }
    return value;
  }

  private static List<AbstractDropout> dropouts(Sequential model) {
    List<AbstractDropout> dropouts = new ArrayList<>();
    for (Layer layer : model.layers()) {
      if (layer instanceof AbstractDropout dropout) {
        dropouts.add(dropout);
      }
    }
    return dropouts;
  }
}
