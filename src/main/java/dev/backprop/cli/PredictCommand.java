package dev.backprop.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.backprop.UserError;
import dev.backprop.data.DigitImages;
import dev.backprop.layers.Sequential;
import dev.backprop.tensor.Tensor;
import dev.backprop.train.Predictions;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Classify digit images (PNG, JPEG, BMP, GIF; any size, dark-on-light or light-on-dark): "
        + "prepared like MNIST, then the predicted digit and the ten probabilities per image.")
final class PredictCommand implements Callable<Integer> {
  @Mixin CheckpointOption checkpointOption;
  @Mixin ModelChoice modelChoice;
  @Parameters(paramLabel = "IMAGE", arity = "1..*", description = "Image files.") List<Path> images;
  @Spec CommandSpec spec;

  @Option(names = "--json", description = "Print one JSON object (a prediction or an error per image) and nothing "
      + "else on stdout.") boolean json;

  /**
   * Each image on its own: one that cannot be read is reported (stderr, or its "error" in --json) and the others
   * are still classified; the exit code is then 2.
   */
  @Override
  public Integer call() throws IOException {
    PrintWriter stdout = spec.commandLine().getOut();
    PrintWriter stderr = spec.commandLine().getErr();
    Sequential model = checkpointOption.loadModel(modelChoice, spec);
    List<Map<String, Object>> results = new ArrayList<>();
    int failed = 0;
    for (Path image : images) {
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("file", image.toString());
      results.add(result);
      Tensor logProbabilities;
      try {
        logProbabilities = model.infer(DigitImages.tensor(DigitImages.read(image)));
      } catch (UserError e) {
        failed++;
        result.put("error", e.getMessage());
        if (!json) {
          stderr.println("backprop: " + e.getMessage());
          stderr.flush();
        }
        continue;
      }
      int digit = Predictions.argmax(logProbabilities, 0);
      double[] probabilities = new double[logProbabilities.dim(1)];
      StringBuilder listed = new StringBuilder();
      for (int c = 0; c < probabilities.length; c++) {
        probabilities[c] = Math.exp(logProbabilities.data()[c]);
        listed.append(String.format(Locale.ROOT, " %d:%.3f", c, probabilities[c]));
      }
      result.put("digit", digit);
      result.put("probabilities", probabilities);
      if (!json) {
        stdout.printf(Locale.ROOT, "%s: %d  (p=%.3f)%s%n", image, digit, probabilities[digit], listed);
        stdout.flush();
      }
    }
    if (json) {
      Map<String, Object> report = new LinkedHashMap<>();
      report.put("checkpoint", checkpointOption.checkpoint.toString());
      report.put("predictions", results);
      stdout.println(new ObjectMapper().writeValueAsString(report));
      stdout.flush();
    }
    return failed == 0 ? 0 : Main.USAGE_ERROR;
  }
}
