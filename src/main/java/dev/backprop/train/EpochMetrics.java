package dev.backprop.train;

/**
 * What one training epoch measured: one row of {@code metrics.csv}, one point on each training curve.
 *
 * @param epoch the epoch number, counted from 1
 * @param lr the learning rate at the end of the epoch
 * @param trainLoss mean training loss over the epoch's batches
 * @param trainAccuracy training accuracy in percent (0..100)
 * @param testLoss mean loss on the test set after the epoch
 * @param testAccuracy test accuracy in percent (0..100)
 * @param seconds wall-clock time of the epoch (training and evaluation)
 * @param valLoss mean loss on the held-out validation images ({@code --val-split}), NaN without them
 * @param valAccuracy validation accuracy in percent, NaN without validation images
 */
public record EpochMetrics(
    int epoch,
    double lr,
    double trainLoss,
    double trainAccuracy,
    double testLoss,
    double testAccuracy,
    double seconds,
    double valLoss,
    double valAccuracy) {

  /** An epoch of a run without validation images. */
  public EpochMetrics(int epoch, double lr, double trainLoss, double trainAccuracy, double testLoss,
      double testAccuracy, double seconds) {
    this(epoch, lr, trainLoss, trainAccuracy, testLoss, testAccuracy, seconds, Double.NaN, Double.NaN);
  }

  public boolean hasValidation() {
    return !Double.isNaN(valAccuracy);
  }

  /** The accuracy the best epoch is chosen on: validation when the run holds images out, else test. */
  public double selectionAccuracy() {
    return hasValidation() ? valAccuracy : testAccuracy;
  }
}
