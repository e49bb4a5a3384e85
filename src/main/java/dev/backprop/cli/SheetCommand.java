package dev.backprop.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import dev.backprop.UserError;
import dev.backprop.sheet.Example;
import dev.backprop.sheet.GradientCheck;
import dev.backprop.sheet.LearningRate;
import dev.backprop.sheet.Parameter;
import dev.backprop.sheet.SheetFiles;
import dev.backprop.sheet.Trajectory;
import dev.backprop.sheet.Weights;
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

  /** Sheet names are at most 31 characters and are "lr" followed by the learning rate as written. */
  private static final int MAX_LEARNING_RATE_LENGTH = 29;

  /** Plain decimal numbers only: no hex, no NaN, no Java suffixes, since they become file names too. */
  private static final Pattern NUMBER = Pattern.compile("[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?");

  // Numbers arrive as text and are checked here, so that every mistake is one line naming the option.
  @Option(names = "--lr", paramLabel = "η,...", defaultValue = "0.1,0.2,0.5,0.8,1.0,2.0",
      description = "Learning rates, comma-separated (default: ${DEFAULT-VALUE}).")
  String learningRates;

  @Option(names = "--steps", paramLabel = "N", defaultValue = "100",
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
    WorkedExample network = network();
    List<LearningRate> rates = learningRates();
    int stepCount = stepCount();
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

  private WorkedExample network() {
    WorkedExample base = preset == null ? WorkedExample.course()
        : switch (preset.toLowerCase(Locale.ROOT)) {
          case "mazur" -> WorkedExample.mazur();
          default -> throw new UserError("--preset: unknown preset '" + preset + "' (known: mazur)");
        };
    Example example = base.example();
    if (inputs != null) {
      double[] i = numbers("--inputs", inputs, 2);
      example = new Example(i[0], i[1], example.t1(), example.t2());
    }
    if (targets != null) {
      double[] t = numbers("--targets", targets, 2);
      example = new Example(example.i1(), example.i2(), t[0], t[1]);
    }
    Weights start = base.initialWeights();
    if (weights != null) {
      double[] w = numbers("--weights", weights, 8);
      start = new Weights(w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], start.b1(), start.b2());
    }
    if (biases != null) {
      double[] b = numbers("--biases", biases, 2);
      start = start.with(Parameter.B1, b[0]).with(Parameter.B2, b[1]);
    }
    boolean hasBiases = base.hasBiases() || biases != null;
    if (trainBiases && !hasBiases) {
      throw new UserError("--train-biases: the network has no biases; add --biases B1,B2 or --preset mazur");
    }
    return new WorkedExample(example, start, hasBiases, trainBiases);
  }

  private List<LearningRate> learningRates() {
    if (learningRates.isBlank()) {
      throw new UserError("--lr: needs at least one learning rate");
    }
    List<LearningRate> rates = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (String text : learningRates.split(",", -1)) {
      String label = text.strip();
      double value = number("--lr", label, learningRates);
      if (!(value > 0)) {
        throw new UserError("--lr: a learning rate must be positive, not " + label);
      }
      if (label.length() > MAX_LEARNING_RATE_LENGTH) {
        throw new UserError("--lr: '" + label + "' is longer than " + MAX_LEARNING_RATE_LENGTH
            + " characters, too long to name a worksheet");
      }
      if (!seen.add(label)) {
        throw new UserError("--lr: " + label + " is given twice");
      }
      rates.add(new LearningRate(label, value));
    }
    return List.copyOf(rates);
  }

  private int stepCount() {
    String text = steps.strip();
    if (!text.matches("[-+]?\\d+")) {
      throw new UserError("--steps: '" + steps + "' is not a whole number");
    }
    long count = text.length() > 12 ? Long.MAX_VALUE : Long.parseLong(text);
    if (count < 1 || count > MAX_STEPS) {
      throw new UserError("--steps: must be between 1 and " + MAX_STEPS + ", not " + text);
    }
    return (int) count;
  }

  private void refuseToOverwrite(List<LearningRate> rates) {
    List<String> existing = SheetFiles.planned(outDir, rates).stream()
        .filter(Files::exists).map(file -> file.getFileName().toString()).toList();
    if (!existing.isEmpty() && !force) {
      throw new UserError("refusing to overwrite " + String.join(", ", existing) + " in " + outDir
          + " (use --force to replace them, or another --out)");
    }
  }

  private static double[] numbers(String option, String text, int count) {
    String[] parts = text.split(",", -1);
    if (parts.length != count) {
      throw new UserError(option + ": expected " + count + " comma-separated numbers, got " + parts.length
          + " in '" + text + "'");
    }
    double[] values = new double[count];
    for (int i = 0; i < count; i++) {
      values[i] = number(option, parts[i].strip(), text);
    }
    return values;
  }

  private static double number(String option, String text, String list) {
    if (text.isEmpty()) {
      throw new UserError(option + ": a number is missing in '" + list + "'");
    }
    if (!NUMBER.matcher(text).matches()) {
      throw new UserError(option + ": '" + text + "' is not a number");
    }
    double value = Double.parseDouble(text);
    if (!Double.isFinite(value)) {
      throw new UserError(option + ": " + text + " is too large");
    }
    return value;
  }
}
