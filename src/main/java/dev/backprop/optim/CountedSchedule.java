package dev.backprop.optim;

/** The bookkeeping every schedule here shares: how often it stepped and the rate it last set. */
abstract class CountedSchedule implements LrSchedule {
  protected int stepCount;
  protected double lastLearningRate;

  @Override
  public final int stepCount() {
    return stepCount;
  }

  @Override
  public final double lastLearningRate() {
    return lastLearningRate;
  }
}
