package dev.backprop.optim;

import dev.backprop.UserError;

/**
 * Multiplies the learning rate by {@code gamma} every {@code stepSize} steps, as torch.optim.lr_scheduler.StepLR
 * (1.13). Stepped <b>once per epoch</b>, after the epoch's last {@code optimizer.step()}: epochs 0 ..
 * stepSize-1 use the optimizer's learning rate at construction, the next stepSize epochs that times gamma, and so
 * on.
 *
 * <p>Like PyTorch's {@code step()}, the update is chainable: it multiplies the optimizer's <em>current</em>
 * learning rate (so {@code lr * gamma * gamma}, not {@code lr * gamma^2}, after two decays).
 */
public final class StepLR extends CountedSchedule {
  private final Optimizer optimizer;
  private final int stepSize;
  private final double gamma;

  public StepLR(Optimizer optimizer, int stepSize, double gamma) {
    if (stepSize < 1) {
      throw new UserError("StepLR step size must be at least 1, got " + stepSize);
    }
    if (!(gamma >= 0) || Double.isInfinite(gamma)) {
      throw new UserError("StepLR gamma must be a finite number >= 0, got " + gamma);
    }
    this.optimizer = optimizer;
    this.stepSize = stepSize;
    this.gamma = gamma;
    this.lastLearningRate = optimizer.learningRate();
  }

  /** Call once per epoch, after the epoch's training steps. */
  @Override
  public void step() {
    stepCount++;
    if (stepCount % stepSize == 0) {
      optimizer.setLearningRate(optimizer.learningRate() * gamma);
    }
    lastLearningRate = optimizer.learningRate();
  }

  public int stepSize() {
    return stepSize;
  }

  public double gamma() {
    return gamma;
  }
}
