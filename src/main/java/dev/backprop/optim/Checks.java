package dev.backprop.optim;

import dev.backprop.UserError;
import dev.backprop.layers.Parameter;
import java.util.List;

/** Hyper-parameter validation shared by the optimizers and schedules; messages follow PyTorch's. */
final class Checks {
  private Checks() {}

  static List<Parameter> parameters(List<Parameter> parameters) {
    if (parameters.isEmpty()) {
      throw new UserError("optimizer got an empty parameter list");
    }
    return List.copyOf(parameters);
  }

  static double atLeastZero(String what, double value) {
    if (!(value >= 0) || Double.isInfinite(value)) {
      throw new UserError("Invalid " + what + ": " + value + " (must be a finite number >= 0)");
    }
    return value;
  }

  /**
   * Schedules may set any finite learning rate, as in PyTorch (which checks only at construction): a linear
   * OneCycleLR goes slightly negative on its allowed last step, which no optimizer step uses.
   */
  static double finite(String what, double value) {
    if (!Double.isFinite(value)) {
      throw new UserError("Invalid " + what + ": " + value);
    }
    return value;
  }

  static double beta(String what, double value) {
    if (!(value >= 0 && value < 1)) {
      throw new UserError("Invalid " + what + " parameter: " + value + " (must be in [0, 1))");
    }
    return value;
  }
}
