package dev.backprop.sheet;

import java.util.List;
import java.util.Locale;

/**
 * The network's parameters: w1..w4 feed the hidden units, w5..w8 the outputs. b1 is the bias shared by
 * both hidden units and b2 the one shared by both outputs; without biases they stay 0.
 */
public enum Parameter {
  W1, W2, W3, W4, W5, W6, W7, W8, B1, B2;

  /** The eight weights, without the biases. */
  public static final List<Parameter> WEIGHTS = List.of(W1, W2, W3, W4, W5, W6, W7, W8);

  /** The name used in formulas, column headers and files: {@code w1}, ..., {@code b2}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
