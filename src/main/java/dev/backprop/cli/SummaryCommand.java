package dev.backprop.cli;

import dev.backprop.models.ModelSummary;
import dev.backprop.tensor.Rng;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "summary", mixinStandardHelpOptions = true,
    description = "Print a model's layers, output shapes, parameters, receptive field and MACs.")
final class SummaryCommand implements Callable<Integer> {
  @Mixin ModelChoice modelChoice;

  @Option(names = "--verbose", description = "Also say how each convolution's products run (its strategy).")
  boolean verbose;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    var out = spec.commandLine().getOut();
    if (modelChoice.arch == null) {
      out.println(modelChoice.model + ": " + modelChoice.entry().description());
    }
    out.println("arch: " + modelChoice.architecture());
    ModelSummary summary = ModelSummary.of(modelChoice.build(new Rng(0)), new int[] {1, 28, 28});
    out.print(verbose ? summary.renderVerbose() : summary.render());
    out.flush();
    return 0;
  }
}
