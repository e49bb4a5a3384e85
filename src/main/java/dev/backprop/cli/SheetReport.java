package dev.backprop.cli;

import java.io.PrintWriter;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import dev.backprop.sheet.Deltas;
import dev.backprop.sheet.Example;
import dev.backprop.sheet.ForwardPass;
import dev.backprop.sheet.GradientCheck;
import dev.backprop.sheet.Gradients;
import dev.backprop.sheet.Parameter;
import dev.backprop.sheet.Step;
import dev.backprop.sheet.Trajectory;
import dev.backprop.sheet.Weights;
import dev.backprop.sheet.WorkedExample;

/** The terminal side of {@code backprop sheet}: the derivation at step 0, then the descent per learning rate. */
final class SheetReport {

  /** Every line of the report fits a 100-column terminal. */
  static final int WIDTH = 100;

  /** Digits of the numbers substituted into a formula: enough to redo the sum by hand. */
  private static final int SUBSTITUTED_DIGITS = 6;

  /** Digits of each result, as in the published worked examples (E_total = 0.298371109). */
  private static final int RESULT_DIGITS = 9;

  /** The table shows every TABLE_EVERY-th step and the last. */
  private static final int TABLE_EVERY = 10;

  private final PrintWriter out;

  SheetReport(PrintWriter out) {
    this.out = out;
  }

  void derivation(WorkedExample network, List<Trajectory> trajectories) {
    Step start = trajectories.getFirst().first();
    setup(network, trajectories);
    forwardPass(network, start);
    backwardPass(network, start);
    for (Trajectory trajectory : trajectories) {
      descent(network, trajectory);
    }
  }

  private void setup(WorkedExample network, List<Trajectory> trajectories) {
    Example x = network.example();
    Weights w = network.initialWeights();
    out.println("A 2-2-2 sigmoid network learns one example by gradient descent, w ← w − η·∂E_total/∂w");
    out.println("  inputs  i1 = " + number(x.i1()) + ", i2 = " + number(x.i2())
        + "    targets t1 = " + number(x.t1()) + ", t2 = " + number(x.t2()));
    out.println("  weights w1..w8 = " + Parameter.WEIGHTS.stream().map(p -> number(w.get(p)))
        .collect(Collectors.joining(", ")));
    out.println(network.hasBiases()
        ? "  biases  b1 = " + number(w.b1()) + " (both hidden units), b2 = " + number(w.b2())
            + " (both outputs), " + (network.trainBiases() ? "trained" : "fixed")
        : "  no biases");
    out.println("  learning rates η = " + trajectories.stream().map(t -> t.learningRate().label())
        .collect(Collectors.joining(", ")) + "; " + steps(trajectories.getFirst().last().index()) + " each");
  }

  private void forwardPass(WorkedExample network, Step start) {
    Example x = network.example();
    Weights w = start.weights();
    ForwardPass f = start.forward();
    String hiddenBias = network.hasBiases() ? " + b1" : "";
    String hiddenBiasValue = network.hasBiases() ? " + " + term(w.b1()) : "";
    String outputBias = network.hasBiases() ? " + b2" : "";
    String outputBiasValue = network.hasBiases() ? " + " + term(w.b2()) : "";
    out.println();
    out.println("Forward pass at step 0, σ(z) = 1/(1 + e^−z)");
    equation("h1", "w1·i1 + w2·i2" + hiddenBias,
        product(w.w1(), x.i1()) + " + " + product(w.w2(), x.i2()) + hiddenBiasValue, f.h1());
    equation("a_h1", "σ(h1)", "σ(" + number(f.h1()) + ")", f.aH1());
    equation("h2", "w3·i1 + w4·i2" + hiddenBias,
        product(w.w3(), x.i1()) + " + " + product(w.w4(), x.i2()) + hiddenBiasValue, f.h2());
    equation("a_h2", "σ(h2)", "σ(" + number(f.h2()) + ")", f.aH2());
    equation("o1", "w5·a_h1 + w6·a_h2" + outputBias,
        product(w.w5(), f.aH1()) + " + " + product(w.w6(), f.aH2()) + outputBiasValue, f.o1());
    equation("a_o1", "σ(o1)", "σ(" + number(f.o1()) + ")", f.aO1());
    equation("o2", "w7·a_h1 + w8·a_h2" + outputBias,
        product(w.w7(), f.aH1()) + " + " + product(w.w8(), f.aH2()) + outputBiasValue, f.o2());
    equation("a_o2", "σ(o2)", "σ(" + number(f.o2()) + ")", f.aO2());
    equation("E1", "½(t1 − a_o1)²", "½(" + term(x.t1()) + " − " + term(f.aO1()) + ")²", f.e1());
    equation("E2", "½(t2 − a_o2)²", "½(" + term(x.t2()) + " − " + term(f.aO2()) + ")²", f.e2());
    equation("E_total", "E1 + E2", term(f.e1()) + " + " + term(f.e2()), f.eTotal());
  }

  private void backwardPass(WorkedExample network, Step start) {
    Example x = network.example();
    Weights w = start.weights();
    ForwardPass f = start.forward();
    Deltas d = start.deltas();
    Gradients g = start.gradients();
    out.println();
    out.println("Backward pass at step 0: the chain rule, output layer first; σ'(z) = σ(z)·(1 − σ(z))");
    equation("δ_o1", "(a_o1 − t1)·a_o1·(1 − a_o1)", outputDelta(f.aO1(), x.t1()), d.deltaO1());
    equation("δ_o2", "(a_o2 − t2)·a_o2·(1 − a_o2)", outputDelta(f.aO2(), x.t2()), d.deltaO2());
    equation("∂E/∂w5", "(a_o1 − t1)·a_o1·(1 − a_o1)·a_h1 = δ_o1·a_h1", product(d.deltaO1(), f.aH1()), g.w5());
    equation("∂E/∂w6", "(a_o1 − t1)·a_o1·(1 − a_o1)·a_h2 = δ_o1·a_h2", product(d.deltaO1(), f.aH2()), g.w6());
    equation("∂E/∂w7", "(a_o2 − t2)·a_o2·(1 − a_o2)·a_h1 = δ_o2·a_h1", product(d.deltaO2(), f.aH1()), g.w7());
    equation("∂E/∂w8", "(a_o2 − t2)·a_o2·(1 − a_o2)·a_h2 = δ_o2·a_h2", product(d.deltaO2(), f.aH2()), g.w8());
    equation("∂E/∂a_h1", "δ_o1·w5 + δ_o2·w7",
        product(d.deltaO1(), w.w5()) + " + " + product(d.deltaO2(), w.w7()), d.dEdaH1());
    equation("∂E/∂a_h2", "δ_o1·w6 + δ_o2·w8",
        product(d.deltaO1(), w.w6()) + " + " + product(d.deltaO2(), w.w8()), d.dEdaH2());
    equation("∂E/∂w1", "∂E/∂a_h1·a_h1·(1 − a_h1)·i1", hiddenGradient(d.dEdaH1(), f.aH1(), x.i1()), g.w1());
    equation("∂E/∂w2", "∂E/∂a_h1·a_h1·(1 − a_h1)·i2", hiddenGradient(d.dEdaH1(), f.aH1(), x.i2()), g.w2());
    equation("∂E/∂w3", "∂E/∂a_h2·a_h2·(1 − a_h2)·i1", hiddenGradient(d.dEdaH2(), f.aH2(), x.i1()), g.w3());
    equation("∂E/∂w4", "∂E/∂a_h2·a_h2·(1 − a_h2)·i2", hiddenGradient(d.dEdaH2(), f.aH2(), x.i2()), g.w4());
    if (network.hasBiases()) {
      equation("∂E/∂b1", "∂E/∂a_h1·a_h1·(1 − a_h1) + ∂E/∂a_h2·a_h2·(1 − a_h2)",
          term(d.deltaH1()) + " + " + term(d.deltaH2()), g.b1());
      equation("∂E/∂b2", "δ_o1 + δ_o2", term(d.deltaO1()) + " + " + term(d.deltaO2()), g.b2());
    }
  }

  private void descent(WorkedExample network, Trajectory trajectory) {
    List<Step> steps = trajectory.steps();
    int stepWidth = Math.max(4, Integer.toString(trajectory.last().index()).length());
    out.println();
    out.println("Gradient descent with η = " + trajectory.learningRate().label());
    StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "  %" + stepWidth + "s %13s", "step",
        "E_total"));
    Parameter.WEIGHTS.forEach(p -> header.append(String.format(Locale.ROOT, "%9s", p.label())));
    out.println(header);
    for (Step step : steps) {
      if (step.index() % TABLE_EVERY == 0 || step == trajectory.last()) {
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %" + stepWidth + "d %13.6e",
            step.index(), step.forward().eTotal()));
        Parameter.WEIGHTS.forEach(p -> line.append(String.format(Locale.ROOT, "%9.5f", step.weights().get(p))));
        out.println(line);
      }
    }
    Weights last = trajectory.last().weights();
    out.println("  η = " + trajectory.learningRate().label() + ": E_total after "
        + steps(trajectory.last().index()) + " = " + result(trajectory.last().forward().eTotal())
        + " (step 0: " + result(trajectory.first().forward().eTotal()) + ")"
        + (network.trainBiases() ? "; b1 = " + result(last.b1()) + ", b2 = " + result(last.b2()) : ""));
  }

  void gradientCheck(WorkedExample network, double maxDifference) {
    boolean passed = GradientCheck.passes(maxDifference);
    out.println();
    out.println("Check: max |formula − central difference| over the " + network.parameters().size()
        + " gradients at step 0 = " + significant(maxDifference, 2) + (passed ? " < " : " NOT < ")
        + significant(GradientCheck.TOLERANCE, 1) + (passed ? "" : ": FAILED"));
  }

  void filesWritten(Path dir, List<Path> files) {
    out.println();
    out.println("Wrote " + files.size() + " files to " + dir + ":");
    StringBuilder line = new StringBuilder(" ");
    for (Path file : files) {
      String name = " " + file.getFileName();
      if (line.length() + name.length() > WIDTH) {
        out.println(line);
        line = new StringBuilder(" ");
      }
      line.append(name);
    }
    out.println(line);
  }

  /**
   * Prints "lhs = formula = substituted = result", moving the numbers to a second line aligned under the
   * first '=' when the whole does not fit the terminal.
   */
  private void equation(String lhs, String formula, String substituted, double value) {
    String head = "  " + lhs + " = " + formula;
    String tail = " = " + substituted + " = " + result(value);
    if (head.length() + tail.length() <= WIDTH) {
      out.println(head + tail);
    } else {
      out.println(head);
      out.println(" ".repeat(2 + lhs.length()) + tail);
    }
  }

  private static String steps(int count) {
    return count + (count == 1 ? " step" : " steps");
  }

  private static String outputDelta(double activation, double target) {
    return "(" + term(activation) + " − " + term(target) + ")·" + term(activation) + "·(1 − " + term(activation)
        + ")";
  }

  private static String hiddenGradient(double dEda, double activation, double input) {
    return term(dEda) + "·" + term(activation) + "·(1 − " + term(activation) + ")·" + term(input);
  }

  private static String product(double a, double b) {
    return term(a) + "·" + term(b);
  }

  /** A number inside a formula; negative ones in parentheses so that "0.4·(−0.2)" reads right. */
  private static String term(double value) {
    String text = significant(value, SUBSTITUTED_DIGITS);
    return value < 0 ? "(" + text + ")" : text;
  }

  /** A number as it appears in the text: no parentheses. */
  private static String number(double value) {
    return significant(value, SUBSTITUTED_DIGITS);
  }

  private static String result(double value) {
    return significant(value, RESULT_DIGITS);
  }

  /** Rounds to significant digits without trailing zeros: 0.15 stays 0.15, tiny values get an exponent. */
  static String significant(double value, int digits) {
    if (value == 0) {
      return "0";
    }
    if (Math.abs(value) >= 1e-4) {
      return new BigDecimal(value).round(new MathContext(digits)).stripTrailingZeros().toPlainString();
    }
    String[] scientific = String.format(Locale.ROOT, "%." + (digits - 1) + "e", value).split("e");
    String mantissa = scientific[0].replaceAll("\\.?0+$", "");
    return mantissa + "e" + Integer.parseInt(scientific[1]);
  }
}
