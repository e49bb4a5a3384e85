package dev.backprop.bench;

import dev.backprop.UserError;
import dev.backprop.layers.Sequential;
import dev.backprop.loss.ClassificationLoss;
import dev.backprop.optim.Optimizer;
import dev.backprop.tensor.Rng;
import dev.backprop.tensor.Tensor;
import dev.backprop.train.Trainer;
import java.util.Arrays;

/**
 * Measures training and inference throughput of a model, the work {@code tools/reference/bench_pytorch.py} does
 * in PyTorch:
 *
 * <pre>
 * training step  (batch B, training mode: BN batch statistics, dropout on)
 *   gather B images of a shuffled order into the batch tensor   (pre-normalised, no augmentation)
 *   Trainer.step(x, y): zeroGrad; out = model.forward(x, true); loss.forward(out, y); backward; optimizer.step()
 * inference step (batch I, eval mode)
 *   out = model.infer(test batch)                               (batches cut once from the test images)
 * </pre>
 *
 * {@code warmup} untimed repetitions, then {@code repeat} timed ones, each of {@code batches} training steps
 * (images/s = batches x B / seconds); then the same for inference with {@code inferBatches} steps. A shuffled order
 * is used up batch by batch and reshuffled when fewer than B images are left in it (the rest is skipped, as
 * {@code drop_last}). Nothing here prints: progress goes to a {@link Listener}.
 */
public final class Benchmark {

  /**
   * How much to measure.
   *
   * @param batchSize training batch
   * @param inferBatchSize inference batch
   * @param batches training steps per repetition
   * @param inferBatches inference steps per repetition
   * @param warmup untimed repetitions before the timed ones (class loading, JIT compilation, buffers)
   * @param repeat timed repetitions
   * @param seed the shuffling seed
   */
  public record Settings(int batchSize, int inferBatchSize, int batches, int inferBatches, int warmup, int repeat,
      long seed) {
    /** Rejects settings that measure nothing, with one line naming the option. */
    public Settings {
      require(batchSize >= 1, "--batch-size must be at least 1");
      require(inferBatchSize >= 1, "--infer-batch-size must be at least 1");
      require(batches >= 1, "--batches must be at least 1");
      require(inferBatches >= 1, "--infer-batches must be at least 1");
      require(warmup >= 0, "--warmup must not be negative");
      require(repeat >= 1, "--repeat must be at least 1");
    }

    private static void require(boolean condition, String message) {
      if (!condition) {
        throw new UserError(message);
      }
    }
  }

  /** Told what runs: a phase starts, each of its steps ends, the phase ends with its rate. */
  public interface Listener {
    Listener NONE = new Listener() {};

    /** A repetition starts, e.g. "train 2/5" or "warm-up inference 1/2", of {@code steps} batches. */
    default void phaseStarted(String phase, int steps, int batchSize) {}

    default void stepDone(int stepsDone) {}

    default void phaseDone(String phase, double imagesPerSecond) {}
  }

  /** Images per second of each timed repetition, in the order run. */
  public record Result(double[] trainImagesPerSecond, double[] inferImagesPerSecond) {
    public Result {
      trainImagesPerSecond = trainImagesPerSecond.clone();
      inferImagesPerSecond = inferImagesPerSecond.clone();
    }

    @Override
    public double[] trainImagesPerSecond() {
      return trainImagesPerSecond.clone();
    }

    @Override
    public double[] inferImagesPerSecond() {
      return inferImagesPerSecond.clone();
    }
  }

  private final Sequential model;
  private final Trainer trainer;
  private final BenchData data;
  private final Settings settings;

  // Training: the batch being filled, and where the shuffled order is.
  private final Tensor trainBatch;
  private final int[] trainLabels;
  private final int[] order;
  private final Rng shuffle;
  private int cursor;
  // Inference: the test images cut into full batches before timing (PyTorch slices views of its test tensor).
  private final Tensor[] inferBatches;

  public Benchmark(Sequential model, ClassificationLoss loss, Optimizer optimizer, BenchData data,
      Settings settings) {
    this.model = model;
    this.trainer = new Trainer(model, loss, optimizer, null, null);
    this.data = data;
    this.settings = settings;
    if (data.trainCount() < settings.batchSize()) {
      throw new UserError("--batch-size " + settings.batchSize() + " is larger than the " + data.trainCount()
          + " training images");
    }
    if (data.testCount() < settings.inferBatchSize()) {
      throw new UserError("--infer-batch-size " + settings.inferBatchSize() + " is larger than the "
          + data.testCount() + " test images");
    }
    trainBatch = Tensor.zeros(settings.batchSize(), 1, 28, 28);
    trainLabels = new int[settings.batchSize()];
    order = new int[data.trainCount()];
    shuffle = new Rng(settings.seed());
    cursor = order.length; // shuffled before the first batch
    int size = settings.inferBatchSize() * BenchData.IMAGE_SIZE;
    inferBatches = new Tensor[data.testCount() / settings.inferBatchSize()];
    for (int b = 0; b < inferBatches.length; b++) {
      inferBatches[b] = Tensor.wrap(Arrays.copyOfRange(data.testImages(), b * size, (b + 1) * size),
          settings.inferBatchSize(), 1, 28, 28);
    }
  }

  /** Runs the warm-up and timed repetitions, training first, then inference. */
  public Result run(Listener listener) {
    double[] train = new double[settings.repeat()];
    for (int w = 1; w <= settings.warmup(); w++) {
      trainRepetition("warm-up train " + w + "/" + settings.warmup(), listener);
    }
    for (int r = 0; r < train.length; r++) {
      train[r] = trainRepetition("train " + (r + 1) + "/" + train.length, listener);
    }
    double[] infer = new double[settings.repeat()];
    for (int w = 1; w <= settings.warmup(); w++) {
      inferRepetition("warm-up inference " + w + "/" + settings.warmup(), listener);
    }
    for (int r = 0; r < infer.length; r++) {
      infer[r] = inferRepetition("inference " + (r + 1) + "/" + infer.length, listener);
    }
    return new Result(train, infer);
  }

  /** One repetition of {@code batches} training steps; returns images per second. */
  private double trainRepetition(String phase, Listener listener) {
    int b = settings.batchSize();
    listener.phaseStarted(phase, settings.batches(), b);
    long start = System.nanoTime();
    for (int step = 0; step < settings.batches(); step++) {
      nextTrainBatch();
      trainer.step(trainBatch, trainLabels);
      listener.stepDone(step + 1);
    }
    double rate = (double) settings.batches() * b / ((System.nanoTime() - start) / 1e9);
    listener.phaseDone(phase, rate);
    return rate;
  }

  /** One repetition of {@code inferBatches} eval-mode forward passes, cycling through the test batches. */
  private double inferRepetition(String phase, Listener listener) {
    listener.phaseStarted(phase, settings.inferBatches(), settings.inferBatchSize());
    long start = System.nanoTime();
    for (int step = 0; step < settings.inferBatches(); step++) {
      model.infer(inferBatches[step % inferBatches.length]);
      listener.stepDone(step + 1);
    }
    double rate = (double) settings.inferBatches() * settings.inferBatchSize()
        / ((System.nanoTime() - start) / 1e9);
    listener.phaseDone(phase, rate);
    return rate;
  }

  /** Copies the next B images of the shuffled order into the batch tensor, reshuffling when too few are left. */
  private void nextTrainBatch() {
    int b = settings.batchSize();
    if (cursor + b > order.length) {
      for (int i = 0; i < order.length; i++) {
        order[i] = i;
      }
      shuffle.shuffle(order);
      cursor = 0;
    }
    float[] images = data.trainImages();
    float[] batch = trainBatch.data();
    for (int i = 0; i < b; i++) {
      int index = order[cursor++];
      System.arraycopy(images, index * BenchData.IMAGE_SIZE, batch, i * BenchData.IMAGE_SIZE, BenchData.IMAGE_SIZE);
      trainLabels[i] = data.trainLabels()[index];
    }
  }

  /** The middle value (the mean of the two middle ones for an even count). */
  public static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  public static double min(double[] values) {
    return Arrays.stream(values).min().orElseThrow();
  }

  public static double max(double[] values) {
    return Arrays.stream(values).max().orElseThrow();
  }
}
