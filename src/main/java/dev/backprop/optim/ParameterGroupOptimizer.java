package dev.backprop.optim;

import dev.backprop.layers.Parameter;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What every optimizer here shares: PyTorch's single parameter group, its parameters and its learning rate. The
 * update rule and its momentum coefficient are the subclass's.
 */
abstract class ParameterGroupOptimizer implements Optimizer {
  protected final List<Parameter> parameters;
  private double learningRate;

  ParameterGroupOptimizer(List<Parameter> parameters, double learningRate) {
    this.parameters = Checks.parameters(parameters);
    this.learningRate = Checks.atLeastZero("learning rate", learningRate);
  }

  @Override
  public final List<Parameter> parameters() {
    return parameters;
  }

  @Override
  public final double learningRate() {
    return learningRate;
  }

  @Override
  public final void setLearningRate(double learningRate) {
    this.learningRate = Checks.finite("learning rate", learningRate);
  }

  /**
   * Copies {@code state}'s entry {@code "<index>.<name>"} into a new array of parameter {@code index}'s size,
   * or returns null when it is absent; {@code used} collects the keys read.
   */
  final float[] restored(Map<String, float[]> state, int index, String name, int length, Set<String> used) {
    String key = index + "." + name;
    float[] saved = state.get(key);
    if (saved == null) {
      return null;
    }
    if (saved.length != length) {
      throw new IllegalArgumentException("optimizer state " + key + " has " + saved.length + " values, expected "
          + length);
    }
    used.add(key);
    return saved.clone();
  }

  /** Refuses entries that {@code used} does not hold: another optimizer's state. */
  static void requireAllUsed(Map<String, float[]> state, Set<String> used) {
    Set<String> unexpected = new HashSet<>(state.keySet());
    unexpected.removeAll(used);
    if (!unexpected.isEmpty()) {
      throw new IllegalArgumentException("optimizer state has unexpected entries " + unexpected.stream().sorted()
          .toList());
    }
  }
}
