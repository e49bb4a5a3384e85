package dev.backprop.train;

import dev.backprop.data.BatchLoader;
import dev.backprop.layers.Sequential;
import dev.backprop.loss.ClassificationLoss;
import dev.backprop.optim.LrSchedule;
import dev.backprop.optim.Optimizer;
import dev.backprop.tensor.Tensor;

/**
 * Trains a classifier batch by batch: forward, loss, backward, optimizer step, schedule step. The caller owns
 * everything around it (epochs, evaluation, checkpoints, printing); progress reaches it through a listener.
 */
public final class Trainer {

  /** Told after every training batch: how many images are done and the running loss and accuracy. */
  public interface BatchListener {
    void onBatch(int imagesDone, double meanLoss, double accuracyPercent);
  }

  /**
   * One epoch's training loss and accuracy (percent). {@code completed} is false when it stopped early: on request,
   * or at batch {@code divergedBatch} (counted from 1; 0 if none) whose loss was NaN or infinite.
   */
  public record EpochResult(double loss, double accuracy, boolean completed, int divergedBatch) {
    public boolean diverged() {
      return divergedBatch > 0;
    }
  }

  private final Sequential model;
  private final ClassificationLoss loss;
  private final Optimizer optimizer;
  private final LrSchedule perBatchSchedule;
  private final LrSchedule perEpochSchedule;
  private volatile boolean stopRequested;
  private Tensor lastOutput;

  /** Either schedule may be null; a per-batch schedule steps after every batch, a per-epoch one after each epoch. */
  public Trainer(Sequential model, ClassificationLoss loss, Optimizer optimizer, LrSchedule perBatchSchedule,
      LrSchedule perEpochSchedule) {
    this.model = model;
    this.loss = loss;
    this.optimizer = optimizer;
    this.perBatchSchedule = perBatchSchedule;
    this.perEpochSchedule = perEpochSchedule;
  }

  /** Asks the running epoch to stop after its current batch (from another thread, e.g. on Ctrl-C). */
  public void requestStop() {
    stopRequested = true;
  }

  public boolean stopRequested() {
    return stopRequested;
  }

  public EpochResult trainEpoch(BatchLoader loader, int epoch, BatchListener listener) {
    double lossSum = 0;
    long correct = 0;
    int seen = 0;
    int batches = 0;
    for (BatchLoader.Batch batch : loader.epoch(epoch)) {
      if (stopRequested) {
        return new EpochResult(lossSum / Math.max(seen, 1), 100.0 * correct / Math.max(seen, 1), false, 0);
      }
      double batchLoss = step(batch.images(), batch.labels());
      batches++;
      if (!Double.isFinite(batchLoss)) {
        // Every later step would train on NaN weights: stop at once, before anything is saved.
        return new EpochResult(batchLoss, 100.0 * correct / Math.max(seen, 1), false, batches);
      }
      lossSum += batchLoss * batch.size();
      correct += Predictions.countCorrect(lastOutput, batch.labels());
      seen += batch.size();
      listener.onBatch(seen, lossSum / seen, 100.0 * correct / seen);
    }
    if (perEpochSchedule != null) {
      perEpochSchedule.step();
    }
    return new EpochResult(lossSum / seen, 100.0 * correct / seen, true, 0);
  }

  /**
   * One training step on a batch: zero the gradients, forward in training mode, loss, backward, optimizer step,
   * then the per-batch schedule's step. Returns the batch's mean loss; the model's output stays in
   * {@link #lastOutput()} until the next step.
   */
  public double step(Tensor images, int[] labels) {
    optimizer.zeroGrad();
    lastOutput = model.forward(images, true);
    double batchLoss = loss.forward(lastOutput, labels);
    model.backwardParameters(loss.backward());
    optimizer.step();
    if (perBatchSchedule != null) {
      perBatchSchedule.step();
    }
    return batchLoss;
  }

  /** The output of the last {@link #step}. */
  public Tensor lastOutput() {
    return lastOutput;
  }

  /** Evaluation-mode pass over {@code loader}: mean loss, accuracy and the confusion matrix. */
  public Evaluation evaluate(BatchLoader loader) {
    return Evaluation.run(model, loss, loader, null);
  }
}
