package dev.backprop.layers;

import dev.backprop.tensor.Tensor;

/**
 * A trainable tensor and the gradient buffer that backward passes accumulate into. {@code name} is local to its
 * layer ("weight", "bias"); a model prefixes it with the layer's index the way PyTorch's nn.Sequential does.
 */
public final class Parameter {
  private final String name;
  private final Tensor value;
  private final Tensor grad;

  public Parameter(String name, Tensor value) {
    this.name = name;
    this.value = value;
    this.grad = Tensor.zeros(value.shape());
  }

  public String name() {
    return name;
  }

  public Tensor value() {
    return value;
  }

  public Tensor grad() {
    return grad;
  }

  public void zeroGrad() {
    grad.fill(0f);
  }

  public int size() {
    return value.size();
  }
}
