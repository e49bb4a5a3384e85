package dev.backprop.train;

import dev.backprop.data.Augmentation;
import dev.backprop.data.BatchLoader;
import dev.backprop.data.MnistSet;
import dev.backprop.layers.Sequential;
import dev.backprop.models.Recipe;
import dev.backprop.optim.LrSchedule;
import dev.backprop.optim.Optimizer;
import dev.backprop.plot.TrainingCurves;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A whole training run into a run directory: epoch by epoch, {@link Trainer} trains, the validation images (if the
 * run holds some out) and the test set are evaluated, and the epoch's metrics ({@code metrics.csv}), checkpoints
 * ({@code model.safetensors}, and {@code best.safetensors} when the selection accuracy improved: validation when
 * there are validation images, else test) and {@code curves.png} are written. Ctrl-C (the JVM's shutdown) stops the run
 * after the current batch, leaving the last completed epoch saved. Nothing here prints: the caller shows progress
 * through a {@link Listener}.
 */
public final class TrainingRun {

  /** What the caller is told: a batch listener per epoch (closed when the epoch ends) and each finished epoch. */
  public interface Listener {
    EpochListener epochStarted(int epoch, int epochs, int images);

    /** {@code validation} is null when the run holds no images out. */
    void epochFinished(EpochMetrics metrics, Evaluation validation, Evaluation test, boolean improved);
  }

  /** Hears an epoch's batches; closed after its last one. */
  public interface EpochListener extends Trainer.BatchListener, AutoCloseable {
    @Override
    void close();
  }

  /**
   * Every completed epoch's metrics (a resumed run's earlier ones included); {@code stoppedInEpoch} is the epoch
   * Ctrl-C or a divergence stopped, or 0; {@code divergence} says what became NaN or infinite and where ("the
   * training loss became NaN in epoch 3, batch 7"), or is null.
   */
  public record Outcome(List<EpochMetrics> history, int stoppedInEpoch, String divergence) {
    public boolean completed() {
      return stoppedInEpoch == 0;
    }

    public boolean diverged() {
      return divergence != null;
    }

    public EpochMetrics best() {
      return history.get(bestEpoch(history) - history.get(0).epoch());
    }
  }

  /** The files a run writes into its directory (with their temporary siblings): what --force clears. */
  public static final List<String> RUN_FILES = List.of("config.json", "metrics.csv", "model.safetensors",
      "best.safetensors", TrainingState.FILE, "curves.png");

  /** The pictures eval writes beside a run's checkpoints ({@code best-confusion.png}, ...), and older names. */
  public static final String EVAL_PICTURES =
      "{confusion.png,misclassified.png,model-confusion*.png,model-misclassified*.png,best-confusion*.png,"
          + "best-misclassified*.png}";

  private final Sequential model;
  private final Recipe recipe;
  private final Augmentation augmentation;
  private final long seed;
  private final MnistSet trainSet;
  private final MnistSet validationSet;
  private final MnistSet testSet;
  private final Path runDir;
  private final Map<String, String> metadata;

  /**
   * {@code metadata} goes into every checkpoint, in its order, with the epoch and its accuracies added;
   * {@code validationSet} may be null (the best epoch is then chosen on the test set).
   */
  public TrainingRun(Sequential model, Recipe recipe, Augmentation augmentation, long seed, MnistSet trainSet,
      MnistSet validationSet, MnistSet testSet, Path runDir, Map<String, String> metadata) {
    this.model = model;
    this.recipe = recipe;
    this.augmentation = augmentation;
    this.seed = seed;
    this.trainSet = trainSet;
    this.validationSet = validationSet;
    this.testSet = testSet;
    this.runDir = runDir;
    this.metadata = new LinkedHashMap<>(metadata);
  }

  /** Trains from the model as it is, epoch 1 on. */
  public Outcome run(Listener listener) throws IOException {
    return run(listener, false);
  }

  /**
   * Continues the run in the run directory after its last completed epoch ({@link TrainingState}), or from epoch
   * 1 when none completed; {@code model} must be built as the run built it (same architecture and seed). The
   * epochs that follow give the bits of the uninterrupted run.
   */
  public Outcome resume(Listener listener) throws IOException {
    return run(listener, true);
  }

  private Outcome run(Listener listener, boolean resume) throws IOException {
    Optimizer optimizer = recipe.buildOptimizer(model.parameters());
    int batchesPerEpoch = (trainSet.size() + recipe.batchSize() - 1) / recipe.batchSize();
    LrSchedule perBatch = recipe.scheduleKind().perBatch(optimizer, recipe.maxLr(), recipe.epochs(),
        batchesPerEpoch);
    LrSchedule perEpoch = recipe.scheduleKind().perEpoch(optimizer, recipe.stepSize(), recipe.gamma());
    Trainer trainer = new Trainer(model, recipe.loss(), optimizer, perBatch, perEpoch);
    List<EpochMetrics> history = new ArrayList<>();
    Path metricsCsv = runDir.resolve("metrics.csv");
    double best = -1;
    int firstEpoch = 1;
    int saved = resume ? TrainingState.savedEpoch(runDir) : 0;
    if (saved > 0) {
      replay(perBatch, saved * batchesPerEpoch);
      replay(perEpoch, saved);
      TrainingState.Progress progress = TrainingState.load(runDir, model, optimizer, validationSet != null);
      best = progress.bestAccuracy();
      firstEpoch = saved + 1;
      // Rows past the saved epoch belong to an epoch that is trained again.
      history.addAll(MetricsCsv.readFirst(metricsCsv, saved));
      MetricsCsv.write(metricsCsv, history);
    } else if (resume) {
      Files.deleteIfExists(metricsCsv);
    }
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
        BatchLoader testLoader = new BatchLoader(testSet, BatchLoader.Options.evaluation(recipe.batchSize()));
        BatchLoader validationLoader = validationSet == null ? null
            : new BatchLoader(validationSet, BatchLoader.Options.evaluation(recipe.batchSize()))) {
      for (int epoch = firstEpoch; epoch <= recipe.epochs(); epoch++) {
        double epochLr = optimizer.learningRate();
        long start = System.nanoTime();
        Trainer.EpochResult result;
        try (EpochListener batches = listener.epochStarted(epoch, recipe.epochs(), trainSet.size())) {
          result = trainer.trainEpoch(trainLoader, epoch - 1, batches);
        }
        if (!result.completed()) {
          return new Outcome(history, epoch, result.diverged() ? String.format(Locale.ROOT,
              "the training loss became %s in epoch %d, batch %d", result.loss(), epoch, result.divergedBatch())
              : null);
        }
        // BatchNorm's running variance can overflow while the loss stays finite: such a model is not saved.
        String nonFinite = firstNonFinite(model);
        if (nonFinite != null) {
          return new Outcome(history, epoch, nonFinite + " in epoch " + epoch);
        }
        Evaluation validation = validationLoader == null ? null : trainer.evaluate(validationLoader);
        Evaluation test = trainer.evaluate(testLoader);
        EpochMetrics metrics = new EpochMetrics(epoch, epochLr, result.loss(), result.accuracy(), test.loss(),
            test.accuracy(), (System.nanoTime() - start) / 1e9, validation == null ? Double.NaN : validation.loss(),
            validation == null ? Double.NaN : validation.accuracy());
        history.add(metrics);
        boolean improved = metrics.selectionAccuracy() > best;
        best = Math.max(best, metrics.selectionAccuracy());
        save(metrics, improved, history);
        TrainingState.save(runDir, model, optimizer, new TrainingState.Progress(epoch, best), validationSet != null);
        listener.epochFinished(metrics, validation, test, improved);
      }
      return new Outcome(history, 0, null);
    } finally {
      finished.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(stopOnInterrupt);
      } catch (IllegalStateException shuttingDown) {
        // Ctrl-C: the hook is running and waits for the latch released above.
      }
    }
  }

  /** Deletes the files an earlier run wrote into {@code runDir}, and nothing else. */
  public static void deleteRunFiles(Path runDir) throws IOException {
    for (String name : RUN_FILES) {
      Files.deleteIfExists(runDir.resolve(name));
      Files.deleteIfExists(runDir.resolve(name + ".tmp"));
    }
    try (var pictures = Files.newDirectoryStream(runDir, EVAL_PICTURES)) {
      for (Path picture : pictures) {
        Files.delete(picture);
      }
    }
  }

  /** "the model's 5.running_var became Infinity" for its first tensor holding NaN or an infinity, else null. */
  private static String firstNonFinite(Sequential model) {
    Map<String, float[]> state = new LinkedHashMap<>();
    model.namedParameters().forEach((name, p) -> state.put(name, p.value().data()));
    model.namedBuffers().forEach((name, b) -> state.put(name, b.value().data()));
    for (Map.Entry<String, float[]> tensor : state.entrySet()) {
      for (float v : tensor.getValue()) {
        if (!Float.isFinite(v)) {
          return "the model's " + tensor.getKey() + " became " + v;
        }
      }
    }
    return null;
  }

  private static void replay(LrSchedule schedule, int steps) {
    for (int i = 0; schedule != null && i < steps; i++) {
      schedule.step();
    }
  }

  /** The first epoch with the best selection accuracy (validation, else test), as the run marked it. */
  private static int bestEpoch(List<EpochMetrics> history) {
    EpochMetrics best = history.get(0);
    for (EpochMetrics m : history) {
      if (m.selectionAccuracy() > best.selectionAccuracy()) {
        best = m;
      }
    }
    return best.epoch();
  }

  private void save(EpochMetrics metrics, boolean improved, List<EpochMetrics> history) throws IOException {
    MetricsCsv.append(runDir.resolve("metrics.csv"), metrics);
    Map<String, String> withEpoch = new LinkedHashMap<>(metadata);
    withEpoch.put("backprop.epoch", Integer.toString(metrics.epoch()));
    if (metrics.hasValidation()) {
      withEpoch.put("backprop.val_acc", Double.toString(metrics.valAccuracy()));
    }
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
