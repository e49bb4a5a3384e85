package dev.backprop.models;

import dev.backprop.UserError;
import dev.backprop.layers.Parameter;
import dev.backprop.loss.ClassificationLoss;
import dev.backprop.loss.CrossEntropyLoss;
import dev.backprop.loss.NllLoss;
import dev.backprop.optim.Optimizer;
import dev.backprop.optim.Optimizers;
import java.util.List;

/**
 * How a model is trained by default: optimizer, learning-rate schedule, epochs, batch size and augmentation.
 * Command-line options override single fields.
 *
 * @param optimizer "sgd", "adam" or "adamw"
 * @param schedule "onecycle" (stepped per batch, peaking at {@code maxLr}), "step" (per epoch: lr times
 *     {@code gamma} every {@code stepSize} epochs) or "none"
 * @param rotationDegrees random rotation range (+/-) for training images; 0 turns it off
 * @param translate random translation range (+/-) as a fraction of the image side (random affine); 0 turns it off
 * @param labelSmoothing ε of the loss: 0 trains with the NLL loss of the log-probabilities, ε &gt; 0 with the
 *     cross-entropy against (1 − ε)·onehot + ε/10 (PyTorch's label_smoothing)
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
    double rotationDegrees,
    double translate,
    double labelSmoothing) {

  /** Rejects settings that cannot train, with one line naming the option. */
  public void validate() {
    require(epochs >= 1, "--epochs must be at least 1");
    require(batchSize >= 1, "--batch-size must be at least 1");
    require(lr > 0 && Double.isFinite(lr), "--lr must be a positive number");
    require(momentum >= 0 && momentum < 1, "--momentum must be in [0, 1)");
    require(weightDecay >= 0, "--weight-decay must not be negative");
    require(rotationDegrees >= 0 && rotationDegrees <= 180, "--rotation must be between 0 and 180 degrees");
    require(translate >= 0 && translate <= 1, "--translate must be a fraction between 0 and 1");
    require(labelSmoothing >= 0 && labelSmoothing < 1, "--label-smoothing must be in [0, 1)");
    require(Optimizers.optimizer(optimizer) != null, "--optimizer must be sgd, adam or adamw");
    Optimizers.Schedule kind = Optimizers.schedule(schedule);
    require(kind != null, "--schedule must be onecycle, step or none");
    switch (kind) {
      case ONECYCLE -> require(maxLr > 0 && Double.isFinite(maxLr), "--max-lr must be a positive number");
      case STEP -> {
        require(stepSize >= 1, "--step-size must be at least 1");
        require(gamma > 0 && gamma <= 1, "--gamma must be in (0, 1]");
      }
      case NONE -> { }
    }
  }

  /** The optimizer this recipe names, built on {@code params}. */
  public Optimizer buildOptimizer(List<Parameter> params) {
    return Optimizers.optimizer(optimizer).build(params, lr, momentum, nesterov, weightDecay);
  }

  /**
   * The training loss: NLL of the model's log-probabilities, or with label smoothing the cross-entropy, which
   * gives the same on log-probabilities as on logits (log-softmax of log-probabilities changes nothing).
   */
  public ClassificationLoss loss() {
    return labelSmoothing > 0 ? new CrossEntropyLoss(labelSmoothing) : new NllLoss();
  }

  public Optimizers.Schedule scheduleKind() {
    return Optimizers.schedule(schedule);
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new UserError(message);
    }
  }

  /** The same recipe with random translation by up to {@code fraction} of the image side. */
  Recipe withTranslate(double fraction) {
    return new Recipe(optimizer, lr, momentum, nesterov, weightDecay, schedule, maxLr, stepSize, gamma, epochs,
        batchSize, rotationDegrees, fraction, labelSmoothing);
  }

  /** The same recipe trained with label smoothing {@code epsilon}. */
  Recipe withLabelSmoothing(double epsilon) {
    return new Recipe(optimizer, lr, momentum, nesterov, weightDecay, schedule, maxLr, stepSize, gamma, epochs,
        batchSize, rotationDegrees, translate, epsilon);
  }

  static Recipe sgdOneCycle(double maxLr, int epochs) {
    return new Recipe("sgd", 0.01, 0.9, false, 0, "onecycle", maxLr, 0, 0, epochs, 128, 7, 0, 0);
  }
}
