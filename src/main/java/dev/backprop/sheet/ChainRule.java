package dev.backprop.sheet;

import java.util.ArrayList;
import java.util.List;

/**
 * ∂E_total/∂p spelled out as the chain rule writes it on the board: a sum over the paths from parameter p to
 * E_total, each path the product of the local derivatives along it. w5 has one path,
 * ∂E_total/∂a_o1 · ∂a_o1/∂o1 · ∂o1/∂w5 = (a_o1 − t1) · a_o1·(1 − a_o1) · a_h1; a hidden weight such as w1 reaches
 * E_total through both outputs, so ∂E_total/∂w1 is the sum of two products (b1, feeding both hidden units, of four).
 * {@link Gradients} computes the same derivatives grouped by the deltas, which equals the sum of the paths up to
 * rounding; the gradient shown as the result is always {@link Gradients}'s, the tables' number.
 */
public record ChainRule(List<List<Factor>> paths) {

  /** One local derivative on a path: which one it is, its closed form and its value at the step. */
  public record Factor(String derivative, String formula, double value) {}

  public ChainRule {
    paths = paths.stream().map(List::copyOf).toList();
  }

  /** The paths of ∂E_total/∂{@code parameter} at one step of the example. */
  public static ChainRule of(Example x, Step step, Parameter parameter) {
    Local local = new Local(x, step);
    List<List<Factor>> paths = new ArrayList<>();
    switch (parameter) {
      case W1, W2, W3, W4 -> {
        int hidden = parameter.ordinal() / 2 + 1;
        Factor input = local.inputOf(hidden, parameter, parameter.ordinal() % 2 + 1);
        for (int output = 1; output <= 2; output++) {
          paths.add(local.throughHidden(output, hidden, input));
        }
      }
      case W5, W6, W7, W8 -> {
        int index = parameter.ordinal() - Parameter.W5.ordinal();
        int output = index / 2 + 1;
        paths.add(local.throughOutput(output, local.activationInto(output, parameter, index % 2 + 1)));
      }
      case B1 -> {
        for (int hidden = 1; hidden <= 2; hidden++) {
          for (int output = 1; output <= 2; output++) {
            paths.add(local.throughHidden(output, hidden, bias("h" + hidden, parameter)));
          }
        }
      }
      case B2 -> {
        for (int output = 1; output <= 2; output++) {
          paths.add(local.throughOutput(output, bias("o" + output, parameter)));
        }
      }
    }
    return new ChainRule(paths);
  }

  /** The product of path {@code path}'s factors, left to right. */
  public double pathValue(int path) {
    double product = 1;
    for (Factor factor : paths.get(path)) {
      product *= factor.value();
    }
    return product;
  }

  /** The sum of the paths: ∂E_total/∂p up to rounding. */
  public double value() {
    double sum = 0;
    for (int path = 0; path < paths.size(); path++) {
      sum += pathValue(path);
    }
    return sum;
  }

  private static Factor bias(String unit, Parameter parameter) {
    return new Factor("∂" + unit + "/∂" + parameter.label(), "1", 1);
  }

  /** The local derivatives at one step; units are numbered 1 and 2 as in the course. */
  private record Local(Example x, Step step) {
    double target(int output) {
      return output == 1 ? x.t1() : x.t2();
    }

    double outputActivation(int output) {
      return output == 1 ? step.forward().aO1() : step.forward().aO2();
    }

    double hiddenActivation(int hidden) {
      return hidden == 1 ? step.forward().aH1() : step.forward().aH2();
    }

    /** E_total, then σ at the output unit: the start of every path. */
    List<Factor> throughOutput(int output, Factor last) {
      double a = outputActivation(output);
      String o = "o" + output;
      return List.of(
          new Factor("∂E_total/∂a_" + o, "a_" + o + " − t" + output, a - target(output)),
          new Factor("∂a_" + o + "/∂" + o, "a_" + o + "·(1 − a_" + o + ")", a * (1 - a)),
          last);
    }

    /** Through output unit {@code output}, the weight from hidden unit {@code hidden} and σ at that unit. */
    List<Factor> throughHidden(int output, int hidden, Factor last) {
      Parameter weight = Parameter.WEIGHTS.get(4 + 2 * (output - 1) + (hidden - 1));
      double a = hiddenActivation(hidden);
      String h = "h" + hidden;
      List<Factor> path = new ArrayList<>(throughOutput(output,
          new Factor("∂o" + output + "/∂a_" + h, weight.label(), step.weights().get(weight))));
      path.add(new Factor("∂a_" + h + "/∂" + h, "a_" + h + "·(1 − a_" + h + ")", a * (1 - a)));
      path.add(last);
      return path;
    }

    /** ∂h/∂w for a weight into hidden unit {@code hidden}: the input it multiplies. */
    Factor inputOf(int hidden, Parameter weight, int input) {
      return new Factor("∂h" + hidden + "/∂" + weight.label(), "i" + input, input == 1 ? x.i1() : x.i2());
    }

    /** ∂o/∂w for a weight into output unit {@code output}: the hidden activation it multiplies. */
    Factor activationInto(int output, Parameter weight, int hidden) {
      return new Factor("∂o" + output + "/∂" + weight.label(), "a_h" + hidden, hiddenActivation(hidden));
    }
  }
}
