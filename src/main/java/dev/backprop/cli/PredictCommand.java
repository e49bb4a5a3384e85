package dev.backprop.cli;

import dev.backprop.data.DigitImages;
import dev.backprop.layers.Sequential;
import dev.backprop.tensor.Tensor;
import dev.backprop.train.Predictions;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
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

  @Override
  public Integer call() {
    PrintWriter stdout = spec.commandLine().getOut();
    Sequential model = checkpointOption.loadModel(modelChoice, spec);
    for (Path image : images) {
      Tensor input = DigitImages.tensor(DigitImages.read(image));
      Tensor logProbabilities = model.infer(input);
      int digit = Predictions.argmax(logProbabilities, 0);
      StringBuilder probabilities = new StringBuilder();
      for (int c = 0; c < logProbabilities.dim(1); c++) {
        probabilities.append(String.format(Locale.ROOT, " %d:%.3f", c, Math.exp(logProbabilities.data()[c])));
      }
      stdout.printf(Locale.ROOT, "%s: %d  (p=%.3f)%s%n", image, digit,
          Math.exp(logProbabilities.data()[digit]), probabilities);
    }
    stdout.flush();
    return 0;
  }
}
