package dev.backprop.sheet;

import dev.backprop.UserError;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The worked example's options as the user wrote them, for the {@code sheet} command and the web API alike:
 * checked here and turned into the network, the learning rates and the step count, so that both accept and refuse
 * the same things with the same one-line messages ({@link UserError}, naming the option). A null text means the
 * option was not given.
 *
 * @param prefix what precedes an option's name in messages: {@code "--"} on the command line, none in JSON
 */
public record SheetOptions(String prefix, String learningRates, String steps, String inputs, String targets,
    String weights, String biases, boolean trainBiases, String preset) {

  /** The command's defaults for --lr and --steps. */
  public static final String DEFAULT_LEARNING_RATES = "0.1,0.2,0.5,0.8,1.0,2.0";
  public static final String DEFAULT_STEPS = "100";

  /** Sheet names are at most 31 characters and are "lr" followed by the learning rate as written. */
  private static final int MAX_LEARNING_RATE_LENGTH = 29;

  /** Plain decimal numbers only: no hex, no NaN, no Java suffixes, since they become file names too. */
  private static final Pattern NUMBER = Pattern.compile("[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?");

  public SheetOptions {
    learningRates = learningRates != null ? learningRates : DEFAULT_LEARNING_RATES;
    steps = steps != null ? steps : DEFAULT_STEPS;
  }

  /** The network: the preset (or the course's example), then each option given overrides its part. */
  public WorkedExample network() {
    WorkedExample base = preset == null ? WorkedExample.course()
        : switch (preset.toLowerCase(Locale.ROOT)) {
          case "mazur" -> WorkedExample.mazur();
          default -> throw new UserError(name("preset") + ": unknown preset '" + preset + "' (known: mazur)");
        };
    Example example = base.example();
    if (inputs != null) {
      double[] i = numbers("inputs", inputs, 2);
      example = new Example(i[0], i[1], example.t1(), example.t2());
    }
    if (targets != null) {
      double[] t = numbers("targets", targets, 2);
      example = new Example(example.i1(), example.i2(), t[0], t[1]);
    }
    Weights start = base.initialWeights();
    if (weights != null) {
      double[] w = numbers("weights", weights, 8);
      start = new Weights(w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], start.b1(), start.b2());
    }
    if (biases != null) {
      double[] b = numbers("biases", biases, 2);
      start = start.with(Parameter.B1, b[0]).with(Parameter.B2, b[1]);
    }
    boolean hasBiases = base.hasBiases() || biases != null;
    if (trainBiases && !hasBiases) {
      throw new UserError(name("train-biases") + ": the network has no biases; add " + name("biases")
          + " B1,B2 or " + name("preset") + " mazur");
    }
    return new WorkedExample(example, start, hasBiases, trainBiases);
  }

  /** The learning rates in the order given, each with its text; positive, distinct, short enough to name a sheet. */
  public List<LearningRate> rates() {
    if (learningRates.isBlank()) {
      throw new UserError(name("lr") + ": needs at least one learning rate");
    }
    List<LearningRate> rates = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (String text : learningRates.split(",", -1)) {
      String label = text.strip();
      double value = number("lr", label, learningRates);
      if (!(value > 0)) {
        throw new UserError(name("lr") + ": a learning rate must be positive, not " + label);
      }
      if (label.length() > MAX_LEARNING_RATE_LENGTH) {
        throw new UserError(name("lr") + ": '" + label + "' is longer than " + MAX_LEARNING_RATE_LENGTH
            + " characters, too long to name a worksheet");
      }
      if (!seen.add(label)) {
        throw new UserError(name("lr") + ": " + label + " is given twice");
      }
      rates.add(new LearningRate(label, value));
    }
    return List.copyOf(rates);
  }

  /** The number of updates per learning rate, 1..max. */
  public int stepCount(int max) {
    String text = steps.strip();
    if (!text.matches("[-+]?\\d+")) {
      throw new UserError(name("steps") + ": '" + steps + "' is not a whole number");
    }
    long count = text.length() > 12 ? Long.MAX_VALUE : Long.parseLong(text);
    if (count < 1 || count > max) {
      throw new UserError(name("steps") + ": must be between 1 and " + max + ", not " + text);
    }
    return (int) count;
  }

  private String name(String option) {
    return prefix + option;
  }

  private double[] numbers(String option, String text, int count) {
    String[] parts = text.split(",", -1);
    if (parts.length != count) {
      throw new UserError(name(option) + ": expected " + count + " comma-separated numbers, got " + parts.length
          + " in '" + text + "'");
    }
    double[] values = new double[count];
    for (int i = 0; i < count; i++) {
      values[i] = number(option, parts[i].strip(), text);
    }
    return values;
  }

  private double number(String option, String text, String list) {
    if (text.isEmpty()) {
      throw new UserError(name(option) + ": a number is missing in '" + list + "'");
    }
    if (!NUMBER.matcher(text).matches()) {
      throw new UserError(name(option) + ": '" + text + "' is not a number");
    }
    double value = Double.parseDouble(text);
    if (!Double.isFinite(value)) {
      throw new UserError(name(option) + ": " + text + " is too large");
    }
    return value;
  }
}
