package dev.backprop.train;

import dev.backprop.data.BatchLoader;
import dev.backprop.layers.Sequential;
import dev.backprop.loss.ClassificationLoss;
import dev.backprop.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * The result of running a model in evaluation mode over a data set: mean loss, correct count, the confusion
 * matrix (true class on rows), and optionally the misclassified examples with the model's confidence.
 */
public record Evaluation(double loss, long correct, long total, long[][] confusion, List<Mistake> mistakes) {

  /** A misclassified image: its index in the data set, true and predicted class, and the predicted probability. */
  public record Mistake(int index, int trueLabel, int predictedLabel, double confidence) {}

  public double accuracy() {
    return 100.0 * correct / total;
  }

  /** Accuracy (percent) of each true class. */
  public double[] perClassAccuracy() {
    double[] accuracy = new double[confusion.length];
    for (int c = 0; c < confusion.length; c++) {
      long count = 0;
      for (long n : confusion[c]) {
        count += n;
      }
      accuracy[c] = count == 0 ? Double.NaN : 100.0 * confusion[c][c] / count;
    }
    return accuracy;
  }

  /**
   * Runs {@code model} over {@code loader} in eval mode. The model must end in log-softmax (as the zoo's do), so
   * that exp(output) gives the probabilities recorded for mistakes. {@code mistakes} collects them when not null.
   */
  static Evaluation run(Sequential model, ClassificationLoss loss, BatchLoader loader, List<Mistake> mistakes) {
    double lossSum = 0;
    long correct = 0;
    long total = 0;
    long[][] confusion = null;
    for (BatchLoader.Batch batch : loader.epoch(0)) {
      Tensor output = model.infer(batch.images());
      if (confusion == null) {
        confusion = new long[output.dim(1)][output.dim(1)];
      }
      lossSum += loss.forward(output, batch.labels()) * batch.size();
      for (int i = 0; i < batch.size(); i++) {
        int predicted = Predictions.argmax(output, i);
        int label = batch.labels()[i];
        confusion[label][predicted]++;
        if (predicted == label) {
          correct++;
        } else if (mistakes != null) {
          int index = batch.index() * loader.batchSize() + i;
          double confidence = StrictMath.exp(output.data()[i * output.dim(1) + predicted]);
          mistakes.add(new Mistake(index, label, predicted, confidence));
        }
      }
      total += batch.size();
    }
    return new Evaluation(lossSum / total, correct, total, confusion, mistakes == null ? List.of() : mistakes);
  }

  /** Like {@link #run} and keeps every misclassified example. */
  public static Evaluation withMistakes(Sequential model, ClassificationLoss loss, BatchLoader loader) {
    return run(model, loss, loader, new ArrayList<>());
  }
}
