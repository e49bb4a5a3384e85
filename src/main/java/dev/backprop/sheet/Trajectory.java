package dev.backprop.sheet;

import java.util.List;

/** Steps 0..N of gradient descent at one learning rate; step 0 holds the initial weights. */
public record Trajectory(LearningRate learningRate, List<Step> steps) {

  public Trajectory {
    steps = List.copyOf(steps);
  }

  public Step first() {
    return steps.getFirst();
  }

  public Step last() {
    return steps.getLast();
  }
}
