package dev.backprop.models;

/**
 * How a model is trained by default: optimizer, learning-rate schedule, epochs, batch size and augmentation.
 * Command-line options override single fields.
 *
 * @param optimizer "sgd", "adam" or "adamw"
 * @param schedule "onecycle" (stepped per batch, peaking at {@code maxLr}), "step" (per epoch: lr times
 *     {@code gamma} every {@code stepSize} epochs) or "none"
 * @param rotationDegrees random rotation range (+/-) for training images; 0 turns it off
 */
public record Recipe(
    String optimizer,
    double lr,
    double momentum,
    boolean nesterov,
    double weightDecay,
    String schedule,
    double maxLr,
    int stepSize,
    double gamma,
    int epochs,
    int batchSize,
    double rotationDegrees) {

  static Recipe sgdOneCycle(double maxLr, int epochs) {
    return new Recipe("sgd", 0.01, 0.9, false, 0, "onecycle", maxLr, 0, 0, epochs, 128, 7);
  }

  static Recipe sgdStep(double lr, int stepSize, double gamma, int epochs) {
    return new Recipe("sgd", lr, 0.9, false, 0, "step", 0, stepSize, gamma, epochs, 128, 7);
  }
}
