package dev.backprop.layers;

import dev.backprop.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Layers applied in order; state names follow PyTorch's nn.Sequential ("0.weight", "2.running_mean", ...). */
public final class Sequential implements Layer {
  private final List<Layer> layers;

  public Sequential(List<Layer> layers) {
    this.layers = List.copyOf(layers);
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

  @Override
  public Tensor forward(Tensor input, boolean training) {
    Tensor x = input;
    for (Layer layer : layers) {
      x = layer.forward(x, training);
    }
    return x;
  }

  @Override
  public Tensor backward(Tensor gradOutput) {
    Tensor g = gradOutput;
    for (int i = layers.size() - 1; i >= 0; i--) {
      g = layers.get(i).backward(g);
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
