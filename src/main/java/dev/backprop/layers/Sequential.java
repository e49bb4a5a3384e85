package dev.backprop.layers;

import dev.backprop.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Layers applied in order; state names follow PyTorch's nn.Sequential ("0.weight", "2.running_mean", ...). */
public final class Sequential implements Layer {
  private final List<Layer> layers;
  private final boolean[] convReluNorm; // [i]: layers i, i + 1, i + 2 are a Conv2d, a ReLU and a BatchNorm2d
  private boolean fusedForward; // the last forward ran those blocks fused

  public Sequential(List<Layer> layers) {
    this.layers = List.copyOf(layers);
    this.convReluNorm = new boolean[layers.size()];
    for (int i = 0; i + 2 < layers.size(); i++) {
      convReluNorm[i] = layers.get(i) instanceof Conv2d
          && layers.get(i + 1) instanceof ReLU
          && layers.get(i + 2) instanceof BatchNorm2d;
    }
  }

  public Sequential(Layer... layers) {
    this(List.of(layers));
  }

  public List<Layer> layers() {
    return layers;
  }

  @Override
  public int[] outputShape(int[] inputShape) {
    int[] shape = inputShape;
    for (Layer layer : layers) {
      shape = layer.outputShape(shape);
    }
    return shape;
  }

  /**
   * In training, a Conv2d-ReLU-BatchNorm2d block runs its ReLU inside the others: the convolution rectifies each
   * output plane as it writes it, and BatchNorm's backward applies the ReLU's mask in its own pass (its input is
   * the ReLU's output), the bits the three layers give one by one, with two passes over the block's activations
   * fewer. In eval mode every layer runs alone, so that a backward may follow; {@link #infer} fuses further.
   */
  @Override
  public Tensor forward(Tensor input, boolean training) {
    fusedForward = training;
    Tensor x = input;
    for (int i = 0; i < layers.size(); i++) {
      if (fusedForward && convReluNorm[i]) {
        x = ((Conv2d) layers.get(i)).forward(x, true, true, null);
        x = layers.get(i + 2).forward(x, true);
        i += 2;
      } else {
        x = layers.get(i).forward(x, training);
      }
    }
    return x;
  }

  /**
   * The eval-mode forward for inference, the same bits as {@code forward(input, false)}: a Conv2d followed by a
   * ReLU and/or a BatchNorm2d applies them to each output plane as it writes it (Conv2d's output stage), which
   * saves two passes over the batch's largest activations. No backward may follow.
   */
  public Tensor infer(Tensor input) {
    fusedForward = false;
    Tensor x = input;
    for (int i = 0; i < layers.size(); i++) {
      if (layers.get(i) instanceof Conv2d conv) {
        boolean relu = i + 1 < layers.size() && layers.get(i + 1) instanceof ReLU;
        int next = relu ? i + 2 : i + 1;
        BatchNorm2d norm = next < layers.size() && layers.get(next) instanceof BatchNorm2d bn ? bn : null;
        x = conv.forward(x, false, relu, norm);
        i = norm != null ? next : next - 1;
      } else {
        x = layers.get(i).forward(x, false);
      }
    }
    return x;
  }

  @Override
  public Tensor backward(Tensor gradOutput) {
    Tensor g = gradOutput;
    for (int i = layers.size() - 1; i >= 0; i--) {
      if (fusedForward && i >= 2 && convReluNorm[i - 2]) {
        g = ((BatchNorm2d) layers.get(i)).backward(g, true);
        g = layers.get(i - 2).backward(g);
        i -= 2;
      } else {
        g = layers.get(i).backward(g);
      }
    }
    return g;
  }

  @Override
  public List<Parameter> parameters() {
    List<Parameter> all = new ArrayList<>();
    for (Layer layer : layers) {
      all.addAll(layer.parameters());
    }
    return all;
  }

  @Override
  public List<Buffer> buffers() {
    List<Buffer> all = new ArrayList<>();
    for (Layer layer : layers) {
      all.addAll(layer.buffers());
    }
    return all;
  }

  /** Parameters by their state_dict name, in model order. */
  public Map<String, Parameter> namedParameters() {
    Map<String, Parameter> named = new LinkedHashMap<>();
    for (int i = 0; i < layers.size(); i++) {
      for (Parameter p : layers.get(i).parameters()) {
        named.put(i + "." + p.name(), p);
      }
    }
    return named;
  }

  /** Buffers by their state_dict name, in model order. */
  public Map<String, Buffer> namedBuffers() {
    Map<String, Buffer> named = new LinkedHashMap<>();
    for (int i = 0; i < layers.size(); i++) {
      for (Buffer b : layers.get(i).buffers()) {
        named.put(i + "." + b.name(), b);
      }
    }
    return named;
  }

  /** PyTorch's layout: one "(index): layer" line per layer. */
  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("Sequential(\n");
    for (int i = 0; i < layers.size(); i++) {
      s.append("  (").append(i).append("): ").append(layers.get(i)).append('\n');
    }
    return s.append(')').toString();
  }

  public void zeroGrad() {
    for (Parameter p : parameters()) {
      p.zeroGrad();
    }
  }
}
