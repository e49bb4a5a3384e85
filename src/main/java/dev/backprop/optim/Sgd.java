package dev.backprop.optim;

import dev.backprop.UserError;
import dev.backprop.layers.Parameter;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Stochastic gradient descent with momentum, exactly torch.optim.SGD (1.13). Per element, with g the gradient:
 *
 * <pre>
 * g = g + weightDecay * p                       (if weightDecay != 0: L2 added to the gradient)
 * b = g                                         (first step with momentum: the buffer starts as the gradient)
 * b = momentum * b + (1 - dampening) * g        (later steps)
 * g = nesterov ? g + momentum * b : b           (if momentum != 0)
 * p = p - lr * g
 * </pre>
 *
 * The arithmetic is float32 rounded the way PyTorch's CPU kernels round it ({@link FloatMath}): on the golden
 * fixtures the parameters agree with torch.optim.SGD bit for bit. Momentum buffers are allocated on the first step
 * that uses momentum; steps allocate nothing.
 */
public final class Sgd extends ParameterGroupOptimizer {
  private final float[][] buffers;
  private final double dampening;
  private final boolean nesterov;
  private final double weightDecay;
  private double momentum;

  public Sgd(
      List<Parameter> parameters,
      double learningRate,
      double momentum,
      double dampening,
      boolean nesterov,
      double weightDecay) {
    super(parameters, learningRate);
    this.buffers = new float[this.parameters.size()][];
    this.momentum = Checks.atLeastZero("momentum value", momentum);
    this.dampening = Checks.atLeastZero("dampening value", dampening);
    this.nesterov = nesterov;
    this.weightDecay = Checks.atLeastZero("weight_decay value", weightDecay);
    if (nesterov && (momentum <= 0 || dampening != 0)) {
      throw new UserError("Nesterov momentum requires a momentum and zero dampening");
    }
  }

  /** Plain SGD: {@code p -= lr * g}. */
  public static Sgd plain(List<Parameter> parameters, double learningRate) {
    return new Sgd(parameters, learningRate, 0, 0, false, 0);
  }

  /** SGD with (heavy-ball) momentum, no dampening, no weight decay. */
  public static Sgd withMomentum(List<Parameter> parameters, double learningRate, double momentum) {
    return new Sgd(parameters, learningRate, momentum, 0, false, 0);
  }

  @Override
  public void step() {
    final boolean decay = weightDecay != 0;
    final boolean useMomentum = momentum != 0;
    final float wd = (float) weightDecay;
    final float mom = (float) momentum;
    final float keep = (float) (1 - dampening);
    final float negLr = (float) -learningRate();
    for (int k = 0; k < parameters.size(); k++) {
      Parameter parameter = parameters.get(k);
      float[] p = parameter.value().data();
      float[] g = parameter.grad().data();
      boolean first = useMomentum && buffers[k] == null;
      if (first) {
        buffers[k] = new float[p.length];
      }
      float[] b = buffers[k];
      for (int i = 0; i < p.length; i++) {
        float d = g[i];
        if (decay) {
          d = FloatMath.fma(wd, p[i], d);
        }
        if (useMomentum) {
          float bi = first ? d : FloatMath.fma(keep, d, b[i] * mom);
          b[i] = bi;
          d = nesterov ? FloatMath.fma(mom, bi, d) : bi;
        }
        p[i] = FloatMath.fma(negLr, d, p[i]);
      }
    }
  }

  @Override
  public Map<String, float[]> state() {
    Map<String, float[]> state = new LinkedHashMap<>();
    for (int k = 0; k < buffers.length; k++) {
      if (buffers[k] != null) {
        state.put(k + ".momentum_buffer", buffers[k].clone());
      }
    }
    return state;
  }

  @Override
  public void loadState(Map<String, float[]> state) {
    Set<String> used = new HashSet<>();
    for (int k = 0; k < buffers.length; k++) {
      buffers[k] = restored(state, k, "momentum_buffer", parameters.get(k).size(), used);
    }
    requireAllUsed(state, used);
  }

  /** SGD's momentum coefficient. */
  @Override
  public double momentum() {
    return momentum;
  }

  @Override
  public void setMomentum(double momentum) {
    Checks.atLeastZero("momentum value", momentum);
    if (nesterov && momentum <= 0) {
      throw new UserError("Nesterov momentum requires a momentum and zero dampening");
    }
    this.momentum = momentum;
  }

  public double dampening() {
    return dampening;
  }

  public boolean nesterov() {
    return nesterov;
  }

  public double weightDecay() {
    return weightDecay;
  }
}
