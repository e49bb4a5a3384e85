package dev.backprop.train;

import dev.backprop.data.Augmentation;
import dev.backprop.data.BatchLoader;
import dev.backprop.data.MnistSet;
import dev.backprop.layers.Sequential;
import dev.backprop.models.Recipe;
import dev.backprop.optim.Optimizer;
import dev.backprop.plot.TrainingCurves;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A whole training run into a run directory: epoch by epoch, {@link Trainer} trains, the test set is evaluated,
 * and the epoch's metrics ({@code metrics.csv}), checkpoints ({@code model.safetensors}, and {@code best.safetensors}
 * when the test accuracy improved) and {@code curves.png} are written. Ctrl-C (the JVM's shutdown) stops the run
 * after the current batch, leaving the last completed epoch saved. Nothing here prints: the caller shows progress
 * through a {@link Listener}.
 */
public final class TrainingRun {

  /** What the caller is told: a batch listener per epoch (closed when the epoch ends) and each finished epoch. */
  public interface Listener {
    EpochListener epochStarted(int epoch, int epochs, int images);

    void epochFinished(EpochMetrics metrics, Evaluation test, boolean improved);
  }

  /** Hears an epoch's batches; closed after its last one. */
  public interface EpochListener extends Trainer.BatchListener, AutoCloseable {
    @Override
    void close();
  }

  /** Every completed epoch's metrics; {@code stoppedInEpoch} is the epoch Ctrl-C stopped, or 0. */
  public record Outcome(List<EpochMetrics> history, int stoppedInEpoch) {
    public boolean completed() {
      return stoppedInEpoch == 0;
    }

    public EpochMetrics best() {
      return history.stream().max((a, b) -> Double.compare(a.testAccuracy(), b.testAccuracy())).orElseThrow();
    }
  }

  private final Sequential model;
  private final Recipe recipe;
  private final Augmentation augmentation;
  private final long seed;
  private final MnistSet trainSet;
  private final MnistSet testSet;
  private final Path runDir;
  private final Map<String, String> metadata;

  /** {@code metadata} goes into every checkpoint, in its order, with the epoch and its test accuracy added. */
  public TrainingRun(Sequential model, Recipe recipe, Augmentation augmentation, long seed, MnistSet trainSet,
      MnistSet testSet, Path runDir, Map<String, String> metadata) {
    this.model = model;
    this.recipe = recipe;
    this.augmentation = augmentation;
    this.seed = seed;
    this.trainSet = trainSet;
    this.testSet = testSet;
    this.runDir = runDir;
    this.metadata = new LinkedHashMap<>(metadata);
  }

  public Outcome run(Listener listener) throws IOException {
    Optimizer optimizer = recipe.buildOptimizer(model.parameters());
    int batchesPerEpoch = (trainSet.size() + recipe.batchSize() - 1) / recipe.batchSize();
    Trainer trainer = new Trainer(model, recipe.loss(), optimizer,
        recipe.scheduleKind().perBatch(optimizer, recipe.maxLr(), recipe.epochs(), batchesPerEpoch),
        recipe.scheduleKind().perEpoch(optimizer, recipe.stepSize(), recipe.gamma()));
    List<EpochMetrics> history = new ArrayList<>();
    CountDownLatch finished = new CountDownLatch(1);
    Thread stopOnInterrupt = new Thread(() -> {
      trainer.requestStop();
      try {
        finished.await(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "stop-training");
    Runtime.getRuntime().addShutdownHook(stopOnInterrupt);
    try (BatchLoader trainLoader = new BatchLoader(trainSet,
            BatchLoader.Options.training(recipe.batchSize(), seed).withAugmentation(augmentation));
        BatchLoader testLoader = new BatchLoader(testSet, BatchLoader.Options.evaluation(recipe.batchSize()))) {
      double best = -1;
      for (int epoch = 1; epoch <= recipe.epochs(); epoch++) {
        double epochLr = optimizer.learningRate();
        long start = System.nanoTime();
        Trainer.EpochResult result;
        try (EpochListener batches = listener.epochStarted(epoch, recipe.epochs(), trainSet.size())) {
          result = trainer.trainEpoch(trainLoader, epoch - 1, batches);
        }
        if (!result.completed()) {
          return new Outcome(history, epoch);
        }
        Evaluation test = trainer.evaluate(testLoader);
        EpochMetrics metrics = new EpochMetrics(epoch, epochLr, result.loss(), result.accuracy(), test.loss(),
            test.accuracy(), (System.nanoTime() - start) / 1e9);
        history.add(metrics);
        boolean improved = test.accuracy() > best;
        best = Math.max(best, test.accuracy());
        save(metrics, improved, history);
        listener.epochFinished(metrics, test, improved);
      }
      return new Outcome(history, 0);
    } finally {
      finished.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(stopOnInterrupt);
      } catch (IllegalStateException shuttingDown) {
        // Ctrl-C: the hook is running and waits for the latch released above.
      }
    }
  }

  private void save(EpochMetrics metrics, boolean improved, List<EpochMetrics> history) throws IOException {
    MetricsCsv.append(runDir.resolve("metrics.csv"), metrics);
    Map<String, String> withEpoch = new LinkedHashMap<>(metadata);
    withEpoch.put("backprop.epoch", Integer.toString(metrics.epoch()));
    withEpoch.put("backprop.test_acc", Double.toString(metrics.testAccuracy()));
    Checkpoint.save(runDir.resolve("model.safetensors"), model, withEpoch);
    if (improved) {
      Checkpoint.save(runDir.resolve("best.safetensors"), model, withEpoch);
    }
    TrainingCurves.write(runDir.resolve("curves.png"), history);
    // The epoch's leftovers (plot images, checkpoint buffers) sit in the old generation, which no young collection
    // empties, so a run's footprint would creep up by megabytes per epoch; one full collection between epochs (tens
    // of milliseconds) keeps the heap at the live data.
    System.gc();
  }
}
