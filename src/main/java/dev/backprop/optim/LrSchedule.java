package dev.backprop.optim;

/**
 * A learning-rate schedule in PyTorch's style: it owns the optimizer's learning rate (and, for
 * {@link OneCycleLR}, its momentum). Construction sets the starting value; each {@link #step()} advances one unit
 * and sets the value that the next {@code optimizer.step()} uses. Call it after {@code optimizer.step()}:
 *
 * <pre>
 * for each epoch:
 *   for each batch: zeroGrad, forward, backward, optimizer.step(), [per-batch schedule].step()
 *   [per-epoch schedule].step()
 * </pre>
 *
 * Whether a unit is a batch or an epoch is the schedule's: {@link OneCycleLR} steps per batch, {@link StepLR}
 * per epoch.
 */
public interface LrSchedule {

  /** Advances one unit (a batch or an epoch) and sets the optimizer's learning rate for the next one. */
  void step();

  /** How many times {@link #step()} has been called (PyTorch's {@code last_epoch}). */
  int stepCount();

  /** The learning rate this schedule last set (PyTorch's {@code get_last_lr()[0]}). */
  double lastLearningRate();
}
