package dev.backprop.optim;

import dev.backprop.layers.Parameter;
import java.util.List;
import java.util.Locale;

/**
 * The optimizers and learning-rate schedules a recipe names, one table each: a name and how to build it. The
 * recipe validation, the CLI's help and the training run all read them here.
 */
public final class Optimizers {
  private Optimizers() {}

  /** An optimizer by its recipe name. Adam and AdamW take PyTorch's default betas and epsilon. */
  public enum Kind {
    SGD {
      @Override
      public Optimizer build(List<Parameter> params, double lr, double momentum, boolean nesterov,
          double weightDecay) {
        return new Sgd(params, lr, momentum, 0, nesterov, weightDecay);
      }
    },
    ADAM {
      @Override
      public Optimizer build(List<Parameter> params, double lr, double momentum, boolean nesterov,
          double weightDecay) {
        return new Adam(params, lr, 0.9, 0.999, 1e-8, weightDecay);
      }
    },
    ADAMW {
      @Override
      public Optimizer build(List<Parameter> params, double lr, double momentum, boolean nesterov,
          double weightDecay) {
        return new AdamW(params, lr, 0.9, 0.999, 1e-8, weightDecay);
      }
    };

    public abstract Optimizer build(List<Parameter> params, double lr, double momentum, boolean nesterov,
        double weightDecay);

    public String recipeName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** A schedule by its recipe name: one-cycle steps after every batch, StepLR after every epoch. */
  public enum Schedule {
    ONECYCLE,
    STEP,
    NONE;

    public String recipeName() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** The per-batch schedule this names, or null. */
    public LrSchedule perBatch(Optimizer optimizer, double maxLr, int epochs, int batchesPerEpoch) {
      return this == ONECYCLE ? OneCycleLR.withDefaults(optimizer, maxLr, epochs, batchesPerEpoch) : null;
    }

    /** The per-epoch schedule this names, or null. */
    public LrSchedule perEpoch(Optimizer optimizer, int stepSize, double gamma) {
      return this == STEP ? new StepLR(optimizer, stepSize, gamma) : null;
    }
  }

  /** The optimizer named {@code name} (case-insensitive), or null. */
  public static Kind optimizer(String name) {
    for (Kind kind : Kind.values()) {
      if (kind.recipeName().equalsIgnoreCase(name)) {
        return kind;
      }
    }
    return null;
  }

  /** The schedule named {@code name} (case-insensitive), or null. */
  public static Schedule schedule(String name) {
    for (Schedule schedule : Schedule.values()) {
      if (schedule.recipeName().equalsIgnoreCase(name)) {
        return schedule;
      }
    }
    return null;
  }
}
