package dev.backprop.sheet;

import java.util.ArrayList;
import java.util.List;

/**
 * The 2-2-2 sigmoid network of the course, trained on one example by plain gradient descent:
 * <pre>
 *   h1 = w1·i1 + w2·i2 (+ b1)     a_h1 = σ(h1)     o1 = w5·a_h1 + w6·a_h2 (+ b2)     a_o1 = σ(o1)
 *   h2 = w3·i1 + w4·i2 (+ b1)     a_h2 = σ(h2)     o2 = w7·a_h1 + w8·a_h2 (+ b2)     a_o2 = σ(o2)
 *   E_total = ½(t1 − a_o1)² + ½(t2 − a_o2)²        w ← w − η·∂E_total/∂w
 * </pre>
 *
 * @param hasBiases whether b1 and b2 are part of the network (and of its tables); without them they are 0
 * @param trainBiases whether gradient descent updates b1 and b2 too
 */
public record WorkedExample(Example example, Weights initialWeights, boolean hasBiases, boolean trainBiases) {

  public WorkedExample {
    if (!hasBiases && (initialWeights.b1() != 0 || initialWeights.b2() != 0)) {
      throw new IllegalArgumentException("a network without biases needs b1 = b2 = 0");
    }
    if (trainBiases && !hasBiases) {
      throw new IllegalArgumentException("cannot train biases the network does not have");
    }
  }

  /** The course's example: no biases, both targets 0.5. */
  public static WorkedExample course() {
    return new WorkedExample(new Example(0.05, 0.1, 0.5, 0.5),
        Weights.withoutBiases(0.15, 0.2, 0.25, 0.3, 0.4, 0.45, 0.5, 0.55), false, false);
  }

  /**
   * Matt Mazur's "A Step by Step Backpropagation Example" (2015): targets 0.01 and 0.99 and fixed biases
   * b1 = 0.35, b2 = 0.60; his starting E_total is 0.298371109.
   */
  public static WorkedExample mazur() {
    return new WorkedExample(new Example(0.05, 0.1, 0.01, 0.99),
        new Weights(0.15, 0.2, 0.25, 0.3, 0.4, 0.45, 0.5, 0.55, 0.35, 0.6), true, false);
  }

  /** The parameters that have a gradient in the tables: the weights, and the biases if there are any. */
  public List<Parameter> parameters() {
    List<Parameter> parameters = new ArrayList<>(Parameter.WEIGHTS);
    if (hasBiases) {
      parameters.add(Parameter.B1);
      parameters.add(Parameter.B2);
    }
    return List.copyOf(parameters);
  }

  /** The parameters gradient descent changes. */
  public List<Parameter> trainedParameters() {
    return trainBiases ? parameters() : Parameter.WEIGHTS;
  }

  /** Runs {@code stepCount} updates and returns steps 0..stepCount, each computed from its own weights. */
  public Trajectory descend(LearningRate learningRate, int stepCount) {
    List<Step> steps = new ArrayList<>(stepCount + 1);
    Step step = Step.at(0, example, initialWeights);
    steps.add(step);
    for (int index = 1; index <= stepCount; index++) {
      Weights next = step.weights().descend(learningRate.value(), step.gradients(), trainBiases);
      step = Step.at(index, example, next);
      steps.add(step);
    }
    return new Trajectory(learningRate, steps);
  }
}
