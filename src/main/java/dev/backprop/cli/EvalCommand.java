package dev.backprop.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.backprop.UserError;
import dev.backprop.data.BatchLoader;
import dev.backprop.data.Mnist;
import dev.backprop.data.MnistSet;
import dev.backprop.layers.Sequential;
import dev.backprop.loss.NllLoss;
import dev.backprop.plot.ConfusionMatrixImage;
import dev.backprop.plot.ImageGrid;
import dev.backprop.train.Evaluation;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
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

@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Test accuracy of a checkpoint on the MNIST test set, per class, with confusion.png and "
        + "misclassified.png: next to the checkpoint as <checkpoint>-confusion.png and "
        + "<checkpoint>-misclassified.png (or into --out), numbered -2, -3, ... rather than replacing an earlier "
        + "eval's.")
final class EvalCommand implements Callable<Integer> {
  private static final String[] DIGITS = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};

  @Mixin CheckpointOption checkpointOption;
  @Mixin ModelChoice modelChoice;
  @Mixin DataOption dataOption;
  @Mixin ThreadsOption threadsOption;
  @Option(names = "--out", paramLabel = "DIR", description = "Directory for the images.") Path out;
  @Option(names = "--json", description = "Print one JSON object (correct, total, accuracy, ...) and nothing "
      + "else on stdout.") boolean json;
  @Spec CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    PrintWriter stdout = spec.commandLine().getOut();
    threadsOption.apply();
    Sequential model = checkpointOption.loadModel(modelChoice, spec);
    Mnist mnist = dataOption.load(spec.commandLine().getErr());
    MnistSet test = mnist.test();
    Evaluation result;
    try (BatchLoader loader = new BatchLoader(test, BatchLoader.Options.evaluation(1000))) {
      result = Evaluation.withMistakes(model, new NllLoss(), loader);
    }
    // The pictures never replace an earlier eval's: the first free name is taken. Failing to write them still
    // prints the results, then reports the failure.
    Path confusion = null;
    Path misclassified = null;
    String picturesError = null;
    try {
      Path dir = out != null ? OutputDirectory.prepare(out, true) : directoryOf(checkpointOption.checkpoint);
      String prefix = out != null ? "" : stem(checkpointOption.checkpoint) + "-";
      int n = 1;
      do {
        String suffix = n == 1 ? ".png" : "-" + n + ".png";
        confusion = dir.resolve(prefix + "confusion" + suffix);
        misclassified = dir.resolve(prefix + "misclassified" + suffix);
        n++;
      } while (Files.exists(confusion) || Files.exists(misclassified));
      ConfusionMatrixImage.write(confusion, result.confusion(), DIGITS);
      List<ImageGrid.Example> examples = result.mistakes().stream()
          .map(m -> new ImageGrid.Example(Arrays.copyOfRange(test.pixels(), m.index() * test.imageSize(),
              (m.index() + 1) * test.imageSize()), m.trueLabel(), m.predictedLabel(), m.confidence()))
          .toList();
      ImageGrid.writeMisclassified(misclassified, examples);
    } catch (UserError | IOException e) {
      picturesError = "cannot write the pictures: " + Main.userMessage(e) + "; the results are complete (choose a "
          + "writable --out)";
      confusion = null;
      misclassified = null;
    }

    double[] perClass = result.perClassAccuracy();
    if (json) {
      Map<String, Object> report = new LinkedHashMap<>();
      report.put("checkpoint", checkpointOption.checkpoint.toString());
      report.put("correct", result.correct());
      report.put("total", result.total());
      report.put("accuracy", result.accuracy());
      report.put("loss", result.loss());
      report.put("per_class_accuracy", perClass);
      report.put("confusion", result.confusion());
      report.put("confusion_png", confusion != null ? confusion.toString() : null);
      report.put("misclassified_png", misclassified != null ? misclassified.toString() : null);
      if (picturesError != null) {
        report.put("pictures_error", picturesError);
      }
      stdout.println(new ObjectMapper().writeValueAsString(report));
    } else {
      stdout.printf(Locale.ROOT, "Test accuracy %d/%d (%.2f%%), loss %.4f%n", result.correct(), result.total(),
          result.accuracy(), result.loss());
      StringBuilder line = new StringBuilder("Per class:");
      for (int c = 0; c < perClass.length; c++) {
        line.append(String.format(Locale.ROOT, "  %d %.2f%%", c, perClass[c]));
      }
      stdout.println(line);
      if (confusion != null) {
        stdout.println("Wrote " + confusion + " and " + misclassified);
      }
    }
    stdout.flush();
    if (picturesError != null) {
      throw new UserError(picturesError);
    }
    return 0;
  }

  /** best.safetensors -> best */
  private static String stem(Path file) {
    String name = file.getFileName().toString();
    int dot = name.lastIndexOf('.');
    return dot > 0 ? name.substring(0, dot) : name;
  }

  private static Path directoryOf(Path file) {
    Path parent = file.toAbsolutePath().getParent();
    return parent != null ? parent : Path.of(".");
  }
}
