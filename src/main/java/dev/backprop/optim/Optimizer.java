package dev.backprop.optim;

import dev.backprop.layers.Parameter;
import java.util.List;
import java.util.Map;

/**
 * Updates parameters from the gradients that backward passes accumulated into them, with PyTorch's formulas
 * (torch.optim, 1.13). One parameter group: every parameter shares the learning rate and hyper-parameters. Every
 * parameter takes part in every step (PyTorch skips parameters whose grad is None; ours always have a gradient,
 * zero if untouched).
 *
 * <p>A training step is {@code zeroGrad(); forward; backward; step();} and then, if there is one,
 * {@code schedule.step()}.
 */
public interface Optimizer {

  /** Applies one update to every parameter from its current gradient. */
  void step();

  /** Zeroes every parameter's gradient (PyTorch's {@code zero_grad(set_to_none=False)}). */
  default void zeroGrad() {
    List<Parameter> parameters = parameters();
    for (int i = 0; i < parameters.size(); i++) { // indexed: no iterator, nothing allocated per batch
      parameters.get(i).zeroGrad();
    }
  }

  List<Parameter> parameters();

  /** The learning rate the next {@link #step} uses (PyTorch's {@code param_groups[0]['lr']}). */
  double learningRate();

  /**
   * Sets the learning rate for the following steps: learning-rate schedules call this. Any finite value is
   * accepted, as in PyTorch; only construction insists on a rate &gt;= 0.
   */
  void setLearningRate(double learningRate);

  /**
   * The momentum coefficient that {@link OneCycleLR} cycles: SGD's {@code momentum}, Adam's and AdamW's
   * {@code beta1}.
   */
  double momentum();

  /** Sets the momentum coefficient ({@link #momentum}) for the following steps. */
  void setMomentum(double momentum);

  /**
   * The per-parameter state a resumed run needs, keyed as PyTorch's {@code optimizer.state_dict()['state']}
   * flattens it: {@code "<parameter index>.<name>"}, e.g. {@code "0.momentum_buffer"}, {@code "3.exp_avg"},
   * {@code "3.step"}. The arrays are copies; an entry is absent while PyTorch would not have it yet (SGD's buffers
   * before the first step).
   */
  Map<String, float[]> state();

  /**
   * Restores what {@link #state} returned, every entry of the right length; other optimizers' entries, or
   * missing ones, are an {@link IllegalArgumentException} naming them.
   */
  void loadState(Map<String, float[]> state);
}
