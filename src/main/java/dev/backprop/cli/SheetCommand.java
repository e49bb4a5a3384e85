package dev.backprop.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import dev.backprop.UserError;
import dev.backprop.sheet.GradientCheck;
import dev.backprop.sheet.LearningRate;
import dev.backprop.sheet.SheetFiles;
import dev.backprop.sheet.SheetOptions;
import dev.backprop.sheet.Trajectory;
import dev.backprop.sheet.WorkedExample;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code backprop sheet}: the worked example, derived on the terminal and written as CSV, xlsx and PNG. */
@Command(
    name = "sheet",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "The worked example: a 2-2-2 sigmoid network learns one example by gradient descent, with every "
          + "gradient derived by the chain rule.",
      "Prints the forward and backward pass at step 0, a table per learning rate and a finite-difference "
          + "check; writes steps_lr<η>.csv, backprop.xlsx (live formulas), loss_curves.png and "
          + "loss_lr<η>.png."
    })
final class SheetCommand implements Callable<Integer> {

  /**
   * Every step is a row of a CSV file and of a worksheet: 100,000 steps took two minutes and 2 GB for a
   * single learning rate, far past what anyone reads in a spreadsheet.
   */
  static final int MAX_STEPS = 10_000;

  // Numbers arrive as text and are checked by SheetOptions, so that every mistake is one line naming the option.
  @Option(names = "--lr", paramLabel = "η,...", defaultValue = SheetOptions.DEFAULT_LEARNING_RATES,
      description = "Learning rates, comma-separated (default: ${DEFAULT-VALUE}).")
  String learningRates;

  @Option(names = "--steps", paramLabel = "N", defaultValue = SheetOptions.DEFAULT_STEPS,
      description = "Gradient-descent steps per learning rate (default: ${DEFAULT-VALUE}).")
  String steps;

  @Option(names = "--inputs", paramLabel = "I1,I2", description = "Inputs (default: 0.05,0.1).")
  String inputs;

  @Option(names = "--targets", paramLabel = "T1,T2", description = "Targets (default: 0.5,0.5).")
  String targets;

  @Option(names = "--weights", paramLabel = "W1,...,W8",
      description = "Initial weights (default: 0.15,0.2,0.25,0.3,0.4,0.45,0.5,0.55).")
  String weights;

  @Option(names = "--biases", paramLabel = "B1,B2",
      description = "Add biases: B1 shared by both hidden units, B2 by both outputs (default: none).")
  String biases;

  @Option(names = "--train-biases", description = "Update the biases too (default: they stay fixed).")
  boolean trainBiases;

  @Option(names = "--preset", paramLabel = "NAME",
      description = "mazur: Matt Mazur's example, targets 0.01,0.99 and biases 0.35,0.6; the options "
          + "above override it.")
  String preset;

  @Option(names = "--out", paramLabel = "DIR", defaultValue = "out/sheet",
      description = "Directory for the files (default: ${DEFAULT-VALUE}).")
  Path outDir;

  @Option(names = "--force", description = "Replace files an earlier run wrote.")
  boolean force;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    SheetOptions options = new SheetOptions("--", learningRates, steps, inputs, targets, weights, biases,
        trainBiases, preset);
    WorkedExample network = options.network();
    List<LearningRate> rates = options.rates();
    int stepCount = options.stepCount(MAX_STEPS);
    refuseToOverwrite(rates);
    SheetFiles.createDirectory(outDir);

    List<Trajectory> trajectories = rates.stream().map(rate -> network.descend(rate, stepCount)).toList();
    double gradientError = GradientCheck.maxDifference(network, network.initialWeights());
    PrintWriter out = spec.commandLine().getOut();
    SheetReport report = new SheetReport(out);
    report.derivation(network, trajectories);
    report.gradientCheck(network, gradientError);
    if (!GradientCheck.passes(gradientError)) {
      out.flush();
      spec.commandLine().getErr().println("backprop: the gradient formulas disagree with finite "
          + "differences; no files written");
      return 1;
    }
    report.filesWritten(outDir, SheetFiles.write(outDir, network, trajectories));
    out.flush();
    return 0;
  }

  private void refuseToOverwrite(List<LearningRate> rates) {
    List<String> existing = SheetFiles.planned(outDir, rates).stream()
        .filter(Files::exists).map(file -> file.getFileName().toString()).toList();
    if (!existing.isEmpty() && !force) {
      throw new UserError("refusing to overwrite " + String.join(", ", existing) + " in " + outDir
          + " (use --force to replace them, or another --out)");
    }
  }
}
