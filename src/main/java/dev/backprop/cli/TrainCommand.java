package dev.backprop.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.backprop.UserError;
import dev.backprop.data.Augmentation;
import dev.backprop.data.Mnist;
import dev.backprop.data.MnistSource;
import dev.backprop.data.MnistSet;
import dev.backprop.layers.Sequential;
import dev.backprop.models.ArchSpec;
import dev.backprop.models.ModelSummary;
import dev.backprop.models.Recipe;
import dev.backprop.models.Zoo;
import dev.backprop.tensor.Rng;
import dev.backprop.train.Checkpoint;
import dev.backprop.train.EpochMetrics;
import dev.backprop.train.Evaluation;
import dev.backprop.train.MetricsCsv;
import dev.backprop.train.RunConfig;
import dev.backprop.train.SeedSummary;
import dev.backprop.train.TrainingRun;
import dev.backprop.train.TrainingState;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false, abbreviateSynopsis = true,
    description = {
      "Train a model on MNIST: prints the summary, a progress bar per epoch and a test line per epoch.",
      "Writes metrics.csv, config.json, model.safetensors (last epoch), best.safetensors and curves.png.",
      "--seeds K trains K seeds one after another into DIR/seed-S and prints their mean ± std (DIR/seeds.csv).",
      "Ctrl-C stops; the last completed epoch is already saved, and --resume DIR continues from it.",
      "Exit codes: 0 done, 2 a usage or file error, 3 the loss diverged (NaN or infinite), 130 stopped by Ctrl-C."
    })
final class TrainCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Exit code of a run whose loss became NaN or infinite. */
  static final int DIVERGED = 3;

  @Mixin ModelChoice modelChoice;
  @Mixin DataOption dataOption;
  @Mixin ThreadsOption threadsOption;

  @Option(names = "--epochs", description = "Epochs (default: the recipe's).") Integer epochs;
  @Option(names = "--batch-size", description = "Images per batch (default: the recipe's).") Integer batchSize;
  @Option(names = "--optimizer", description = "sgd, adam or adamw (default: the recipe's).") String optimizer;
  @Option(names = "--lr", description = "Learning rate; with onecycle the starting point is max-lr/25.")
  Double lr;
  @Option(names = "--momentum", description = "SGD momentum (default: the recipe's).") Double momentum;
  @Option(names = "--nesterov", negatable = true, description = "Nesterov momentum for SGD.") Boolean nesterov;
  @Option(names = "--weight-decay", description = "L2 penalty (decoupled for adamw).") Double weightDecay;
  @Option(names = "--schedule", description = "onecycle (per batch), step (per epoch) or none.") String schedule;
  @Option(names = "--max-lr", description = "Peak learning rate of onecycle.") Double maxLr;
  @Option(names = "--step-size", description = "Epochs between StepLR decays.") Integer stepSize;
  @Option(names = "--gamma", description = "StepLR decay factor.") Double gamma;
  @Option(names = "--rotation", description = "Random rotation range in degrees (default: the recipe's).")
  Double rotation;
  @Option(names = "--label-smoothing", paramLabel = "EPS", description = "Train with cross-entropy against "
      + "(1 - EPS) one-hot + EPS/10 instead of the NLL loss, as PyTorch's label_smoothing (default: the recipe's).")
  Double labelSmoothing;
  @Option(names = "--translate", paramLabel = "F",
      description = "Random translation as a fraction of the image side (random affine), e.g. 0.1 (default: the "
          + "recipe's).")
  Double translate;
  @Option(names = "--scale", split = ",", paramLabel = "MIN,MAX",
      description = "Random scale range (random affine), e.g. 0.9,1.1.")
  double[] scale;
  @Option(names = "--no-augment", description = "Train on the images as they are.") boolean noAugment;
  @Option(names = "--seed", defaultValue = "1", description = "Seed for initialisation, shuffling, "
      + "augmentation and dropout. Default: ${DEFAULT-VALUE}.") long seed;
  @Option(names = "--limit", paramLabel = "N", description = "Train on the first N images only (quick checks).")
  Integer limit;
  @Option(names = "--val-split", paramLabel = "N", description = "Hold N training images out for validation (the "
      + "same images whatever the seed): best.safetensors is then the epoch with the best validation accuracy, "
      + "not the best test accuracy.")
  Integer valSplit;
  @Option(names = "--seeds", paramLabel = "K", description = "Train K runs one after another with the seeds SEED, "
      + "SEED+1, ..., each into DIR/seed-S under --out, then print each seed's final and best accuracy with their "
      + "mean ± std (also written to DIR/seeds.csv).")
  Integer seeds;
  @Option(names = "--out", paramLabel = "DIR", description = "Run directory (default: runs/<model>-<time>).")
  Path out;
  @Option(names = "--force", description = "Write into a non-empty --out directory: the files an earlier run "
      + "wrote there are deleted first; other files stay.")
  boolean force;
  @Option(names = "--init", paramLabel = "CHECKPOINT", description = "Start from trained weights: a .safetensors "
      + "state_dict saved by 'backprop train', or by PyTorch from the equivalent nn.Sequential "
      + "(safetensors.torch.save_file). The architecture is --arch or --model if given, else the one CHECKPOINT "
      + "records.")
  Path init;
  @Option(names = "--resume", paramLabel = "DIR", description = "Continue the run in DIR after its last completed "
      + "epoch, with the options it recorded (only --data and --threads may be given too). The result is the "
      + "uninterrupted run's, bit for bit.")
  Path resume;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    if (resume != null) {
      return resumeRun();
    }
    Map<String, String> initMetadata = init != null ? initCheckpointMetadata() : Map.of();
    Recipe recipe = effectiveRecipe();
    int threadCount = threadsOption.apply();
    if (limit != null && limit < 1) {
      throw new UserError("--limit must be at least 1");
    }
    if (valSplit != null && valSplit < 1) {
      throw new UserError("--val-split must be at least 1");
    }
    if (seeds != null && seeds < 1) {
      throw new UserError("--seeds must be at least 1");
    }
    Augmentation augmentation = augmentation(recipe);
    // The model is built here so that a mistake in --arch, an --init that does not fit it, or a batch that does
    // not fit in memory is reported before the data loads and before anything is written.
    Sequential model = modelChoice.build(new Rng(seed));
    RunConfig.Init initFrom = null;
    if (init != null) {
      Checkpoint.load(init, model);
      initFrom = new RunConfig.Init(init.toAbsolutePath().toString(), sha256(init),
          initMetadata.get(Checkpoint.ARCH));
    }

    Mnist mnist = dataOption.load(spec.commandLine().getErr());
    MnistSet trainSet = limit == null ? mnist.train() : mnist.train().limit(Math.min(limit, mnist.train().size()));
    if (valSplit != null) {
      trainSet.holdOut(valSplit); // a --val-split the set cannot spare is reported before anything is written
    }
    requireMemory(model, Math.min(recipe.batchSize(), Math.max(trainSet.size(), mnist.test().size())));
    Path dir = OutputDirectory.prepare(out != null ? out : defaultRunDirectory(), force);
    RunConfig first = new RunConfig(Versions.backprop(), modelChoice.displayName(), modelChoice.architecture(),
        recipe, augmentation.degrees(), augmentation.translate(), augmentation.minScale(), augmentation.maxScale(),
        seed, threadCount, trainSet.size(), valSplit == null ? 0 : valSplit, mnist.directory().toString(),
        mnist.canonical(), initFrom, LocalDateTime.now().toString(), Runtime.version().toString(), RunConfig.RUNNING);
    if (seeds == null) {
      if (force) {
        TrainingRun.deleteRunFiles(dir);
        Files.deleteIfExists(dir.resolve(SeedPlan.FILE));
      }
      return train(first, mnist, dir, false, true).exitCode();
    }
    return trainSeeds(new SeedPlan(seed, seeds), first, mnist, dir, false);
  }

  /** What a --seeds run plans, written first as DIR/seeds.json, so that --resume DIR can finish it. */
  record SeedPlan(long firstSeed, int seeds) {
    static final String FILE = "seeds.json";
  }

  /**
   * --seeds K: the runs one after another, each into its own seed-S directory, then the table of their accuracies.
   * A run that stops (Ctrl-C, divergence) ends the sweep with its exit code. Resuming, a seed whose run completed
   * is only read back, a stopped one resumed, and one not begun started from the first seed's configuration.
   */
  private int trainSeeds(SeedPlan plan, RunConfig first, Mnist mnist, Path dir, boolean resuming)
      throws IOException {
    PrintWriter stdout = spec.commandLine().getOut();
    if (!resuming) {
      JSON.writeValue(dir.resolve(SeedPlan.FILE).toFile(), plan);
    }
    List<SeedSummary.Run> runs = new ArrayList<>();
    for (int i = 0; i < plan.seeds(); i++) {
      long runSeed = plan.firstSeed() + i;
      Path runDir = dir.resolve("seed-" + runSeed);
      String header = String.format(Locale.ROOT, "%nSeed %d (%d of %d) in %s", runSeed, i + 1, plan.seeds(), runDir);
      Finished finished;
      if (resuming && Files.exists(runDir.resolve("config.json"))) {
        RunConfig config = RunConfig.read(runDir.resolve("config.json"));
        int done = TrainingState.savedEpoch(runDir);
        if (done >= config.recipe().epochs()) {
          stdout.println(header + ": completed earlier");
          runs.add(new SeedSummary.Run(runSeed, MetricsCsv.read(runDir.resolve("metrics.csv"))));
          continue;
        }
        stdout.printf(Locale.ROOT, "%s: resuming after epoch %d of %d%n", header, done, config.recipe().epochs());
        finished = train(config.withStatus(RunConfig.RUNNING), mnist, runDir, true, false);
      } else {
        OutputDirectory.prepare(runDir, force);
        if (force) {
          TrainingRun.deleteRunFiles(runDir);
        }
        stdout.println(header);
        finished = train(first.withSeed(runSeed), mnist, runDir, false, i == 0);
      }
      if (finished.exitCode() != 0) {
        if (finished.exitCode() == 130) {
          stdout.printf("The other seeds continue with: backprop train --resume %s%n", dir);
        }
        return finished.exitCode();
      }
      runs.add(new SeedSummary.Run(runSeed, finished.outcome().history()));
    }
    SeedSummary summary = new SeedSummary(runs);
    Path csv = dir.resolve("seeds.csv");
    summary.writeCsv(csv);
    stdout.printf(Locale.ROOT, "%n%s on %d seeds (accuracies in percent; std is the sample standard deviation):%n%s"
        + "%s%nTable written to %s%n", first.model(), plan.seeds(), summary.render(), summary.headline(), csv);
    stdout.flush();
    return 0;
  }

  /** --resume: the recorded run (or --seeds runs) rebuilt as it was built, continued after its last saved epoch. */
  private int resumeRun() throws IOException {
    List<String> others = spec.commandLine().getParseResult().matchedOptions().stream()
        .map(o -> o.longestName())
        .filter(name -> !List.of("--resume", "--data", "--threads", "--debug").contains(name))
        .toList();
    if (!others.isEmpty()) {
      throw new UserError("--resume continues with the options the run recorded; only --data and --threads may be "
          + "given with it, not " + String.join(", ", others));
    }
    Path planFile = resume.resolve(SeedPlan.FILE);
    if (Files.exists(planFile) && Files.notExists(resume.resolve("config.json"))) {
      SeedPlan plan = JSON.readValue(planFile.toFile(), SeedPlan.class);
      RunConfig first = RunConfig.read(resume.resolve("seed-" + plan.firstSeed()).resolve("config.json"));
      threadsOption.apply();
      return trainSeeds(plan, first, loadRecorded(first), resume, true);
    }
    RunConfig config = RunConfig.read(resume.resolve("config.json"));
    int done = TrainingState.savedEpoch(resume);
    if (done >= config.recipe().epochs()) {
      throw new UserError(resume + " has completed all " + config.recipe().epochs() + " epochs; nothing to resume");
    }
    threadsOption.apply();
    Mnist mnist = loadRecorded(config);
    spec.commandLine().getOut().printf("Resuming %s after epoch %d of %d%n", resume, done, config.recipe().epochs());
    return train(config.withStatus(RunConfig.RUNNING), mnist, resume, true, true).exitCode();
  }

  /** The data a recorded run trained on: --data, else the directory it recorded, else the usual search. */
  private Mnist loadRecorded(RunConfig config) {
    if (dataOption.data == null && Files.isDirectory(Path.of(config.data()))) {
      dataOption.data = Path.of(config.data());
    }
    Mnist mnist = dataOption.load(spec.commandLine().getErr());
    if (config.trainImages() > mnist.train().size()) {
      throw new UserError(resume + " trained on " + config.trainImages() + " images; " + mnist.directory()
          + " has only " + mnist.train().size());
    }
    return mnist;
  }

  /** How a run ended: its exit code and its outcome. */
  private record Finished(int exitCode, TrainingRun.Outcome outcome) {}

  /**
   * Trains (or with {@code resuming} continues) the run {@code config} describes into {@code runDir}: the model built
   * from its architecture and seed, on its share of {@code mnist}'s training images, with its augmentation.
   */
  private Finished train(RunConfig config, Mnist mnist, Path runDir, boolean resuming, boolean showSummary)
      throws IOException {
    PrintWriter stdout = spec.commandLine().getOut();
    Recipe recipe = config.recipe();
    Sequential model = ArchSpec.build(config.arch(), new Rng(config.seed()));
    if (config.init() != null && (!resuming || TrainingState.savedEpoch(runDir) == 0)) {
      loadInit(config, model, runDir);
    }
    Augmentation augmentation = new Augmentation(config.rotationDegrees(), config.translate(), config.minScale(),
        config.maxScale());
    MnistSet images = mnist.train().limit(config.trainImages());
    MnistSet.HeldOut parts = config.valSplit() == 0 ? new MnistSet.HeldOut(images, null)
        : images.holdOut(config.valSplit());
    MnistSet trainSet = parts.train();
    MnistSet validationSet = parts.validation();
    if (showSummary) {
      stdout.print(ModelSummary.of(model, new int[] {1, 28, 28}).render());
    }
    String validating = validationSet == null ? ""
        : String.format(Locale.ROOT, " (%,d more held out for validation)", validationSet.size());
    stdout.printf(Locale.ROOT, "%s on %,d training%s / %,d test images from %s; %s; seed %d%n", config.model(),
        trainSet.size(), validating, mnist.test().size(), mnist.directory(), describe(recipe, augmentation),
        config.seed());
    stdout.flush();
    config.write(runDir.resolve("config.json"));

    // In a fixed order (Map.of's changes from one JVM to the next), so that the same run writes the same bytes.
    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put(Checkpoint.MODEL, config.model());
    metadata.put(Checkpoint.ARCH, config.arch());
    TrainingRun run = new TrainingRun(model, recipe, augmentation, config.seed(), trainSet, validationSet,
        mnist.test(), runDir, metadata);
    TrainingRun.Listener listener = new TrainingRun.Listener() {
      @Override
      public TrainingRun.EpochListener epochStarted(int epoch, int epochs, int images) {
        return EpochProgress.start(String.format(Locale.ROOT, "Epoch %d/%d", epoch, epochs), images);
      }

      @Override
      public void epochFinished(EpochMetrics m, Evaluation validation, Evaluation test, boolean improved) {
        String val = validation == null ? "" : String.format(Locale.ROOT, "val loss %.4f acc %d/%d (%.2f%%)  ",
            validation.loss(), validation.correct(), validation.total(), validation.accuracy());
        stdout.printf(Locale.ROOT,
            "Epoch %d/%d  train loss %.4f acc %.2f%%  %stest loss %.4f acc %d/%d (%.2f%%)  lr %.4f  %.1fs%s%n",
            m.epoch(), recipe.epochs(), m.trainLoss(), m.trainAccuracy(), val, m.testLoss(), test.correct(),
            test.total(), m.testAccuracy(), m.lr(), m.seconds(), improved ? "  *" : "");
        stdout.flush();
      }
    };
    TrainingRun.Outcome outcome = resuming ? run.resume(listener) : run.run(listener);
    int epoch = outcome.stoppedInEpoch();
    String saved = epoch <= 1 ? "no epoch completed" : "model.safetensors holds epoch " + (epoch - 1);
    if (outcome.diverged()) {
      config.withStatus("diverged: " + outcome.divergence()).write(runDir.resolve("config.json"));
      PrintWriter stderr = spec.commandLine().getErr();
      stderr.printf(Locale.ROOT, "backprop: %s: training stopped; %s in %s. Try a lower learning rate (--lr, or "
          + "--max-lr with onecycle).%n", outcome.divergence(), saved, runDir);
      stderr.flush();
      return new Finished(DIVERGED, outcome);
    }
    if (!outcome.completed()) {
      config.withStatus("stopped in epoch " + epoch).write(runDir.resolve("config.json"));
      stdout.printf("Stopped during epoch %d; %s in %s. Continue with: backprop train --resume %s%n", epoch, saved,
          runDir, runDir);
      stdout.flush();
      return new Finished(130, outcome);
    }
    config.withStatus(RunConfig.COMPLETED).write(runDir.resolve("config.json"));
    EpochMetrics best = outcome.best();
    EpochMetrics last = outcome.history().get(outcome.history().size() - 1);
    if (best.hasValidation()) {
      stdout.printf(Locale.ROOT, "Best validation accuracy %.2f%% at epoch %d (test %.2f%% there, in "
          + "best.safetensors); final validation %.2f%%, test %.2f%%. Run saved in %s%n", best.valAccuracy(),
          best.epoch(), best.testAccuracy(), last.valAccuracy(), last.testAccuracy(), runDir);
    } else {
      stdout.printf(Locale.ROOT, "Best test accuracy %.2f%% at epoch %d; final %.2f%%. Run saved in %s%n",
          best.testAccuracy(), best.epoch(), last.testAccuracy(), runDir);
    }
    stdout.flush();
    return new Finished(0, outcome);
  }

  /**
   * --init's metadata, read before anything else so that a bad file is refused first; when neither --arch nor
   * --model is given, the architecture (and the zoo model, with its recipe, if it was one) it records is taken.
   */
  private Map<String, String> initCheckpointMetadata() {
    if (!Files.isRegularFile(init)) {
      throw new UserError("--init " + init + ": no such file");
    }
    Map<String, String> metadata = Checkpoint.metadata(init);
    String recordedArch = metadata.get(Checkpoint.ARCH);
    boolean modelGiven = spec.commandLine().getParseResult().hasMatchedOption("--model");
    if (modelChoice.arch == null && !modelGiven && recordedArch != null) {
      String recordedModel = metadata.get(Checkpoint.MODEL);
      boolean zooModel = Zoo.MODELS.stream()
          .anyMatch(m -> m.name().equals(recordedModel) && m.arch().equals(recordedArch));
      if (zooModel) {
        modelChoice.model = recordedModel;
      } else {
        modelChoice.arch = recordedArch;
      }
    }
    return metadata;
  }

  /**
   * The weights a run starts from with --init; a run resumed before its first epoch was saved starts again from the
   * same file, which must not have changed since.
   */
  private static void loadInit(RunConfig config, Sequential model, Path runDir) throws IOException {
    Path initFile = Path.of(config.init().file());
    if (!Files.isRegularFile(initFile) || !sha256(initFile).equals(config.init().sha256())) {
      throw new UserError(runDir + " started from " + initFile + ", which is gone or has changed since; start a "
          + "new run");
    }
    Checkpoint.load(initFile, model);
  }

  /**
   * Refuses, before anything is written, a batch whose feature maps alone (the summary's forward/backward size, a
   * lower bound of what training holds) exceed the Java heap.
   */
  private static void requireMemory(Sequential model, int batch) {
    long needed = ModelSummary.of(model, new int[] {1, 28, 28}).activationBytes() * batch;
    long heap = Runtime.getRuntime().maxMemory();
    if (needed > heap) {
      throw new UserError(String.format(Locale.ROOT, "a batch of %,d images needs at least %,d MB for this "
          + "architecture's feature maps, more than the Java heap's %,d MB: use a smaller --batch-size or "
          + "architecture, or give Java more memory (BACKPROP_JAVA_OPTS=-Xmx8g)", batch, needed >> 20, heap >> 20));
    }
  }

  private static String sha256(Path file) throws IOException {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  private Path defaultRunDirectory() {
    String time = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    return Path.of("runs", modelChoice.displayName() + "-" + time);
  }

  /** The zoo model's recipe with the command-line overrides applied. */
  private Recipe effectiveRecipe() {
    Recipe r = modelChoice.entry().recipe();
    Recipe recipe = new Recipe(
        optimizer != null ? optimizer.toLowerCase(Locale.ROOT) : r.optimizer(),
        lr != null ? lr : r.lr(),
        momentum != null ? momentum : r.momentum(),
        nesterov != null ? nesterov : r.nesterov(),
        weightDecay != null ? weightDecay : r.weightDecay(),
        schedule != null ? schedule.toLowerCase(Locale.ROOT) : r.schedule(),
        maxLr != null ? maxLr : r.maxLr(),
        stepSize != null ? stepSize : r.stepSize(),
        gamma != null ? gamma : r.gamma(),
        epochs != null ? epochs : r.epochs(),
        batchSize != null ? batchSize : r.batchSize(),
        rotation != null ? rotation : r.rotationDegrees(),
        translate != null ? translate : r.translate(),
        labelSmoothing != null ? labelSmoothing : r.labelSmoothing());
    recipe.validate();
    return recipe;
  }

  private Augmentation augmentation(Recipe recipe) {
    if (noAugment) {
      if (rotation != null || translate != null || scale != null) {
        throw new UserError("--no-augment contradicts --rotation, --translate and --scale; give one or the other");
      }
      return Augmentation.NONE;
    }
    Augmentation a = Augmentation.rotation(recipe.rotationDegrees()).withTranslate(recipe.translate());
    if (scale != null) {
      if (scale.length != 2) {
        throw new UserError("--scale takes two numbers, MIN,MAX");
      }
      a = a.withScale(scale[0], scale[1]);
    }
    return a;
  }

  private static String describe(Recipe r, Augmentation a) {
    String schedule = switch (r.schedule()) {
      case "onecycle" -> String.format(Locale.ROOT, "one-cycle to lr %.3g", r.maxLr());
      case "step" -> String.format(Locale.ROOT, "lr %.3g x%.3g every %d epochs", r.lr(), r.gamma(), r.stepSize());
      default -> String.format(Locale.ROOT, "lr %.3g", r.lr());
    };
    String smoothing = r.labelSmoothing() > 0 ? ", label smoothing " + plain(r.labelSmoothing()) : "";
    return String.format(Locale.ROOT, "%s, %s, %d epochs, batch %d, %s%s", r.optimizer(), schedule, r.epochs(),
        r.batchSize(), describe(a), smoothing);
  }

  private static String describe(Augmentation a) {
    if (a.isIdentity()) {
      return "no augmentation";
    }
    List<String> parts = new ArrayList<>();
    if (a.degrees() > 0) {
      parts.add("rotation ±" + plain(a.degrees()) + "°");
    }
    if (a.translate() > 0) {
      parts.add("translation ±" + plain(a.translate()));
    }
    if (a.minScale() != 1 || a.maxScale() != 1) {
      parts.add("scale " + plain(a.minScale()) + "-" + plain(a.maxScale()));
    }
    return String.join(", ", parts);
  }

  /** 7.0 as "7", 0.05 as "0.05". */
  private static String plain(double value) {
    return java.math.BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
  }
}
