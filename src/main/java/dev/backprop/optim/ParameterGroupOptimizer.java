package dev.backprop.optim;

import dev.backprop.layers.Parameter;
import java.util.List;

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
}
