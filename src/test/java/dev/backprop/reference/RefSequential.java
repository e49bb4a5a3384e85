package dev.backprop.reference;

import java.util.ArrayList;
import java.util.List;

/** Reference layers in order; backward reruns the forward to get each layer's input. */
public final class RefSequential implements RefLayer {
  private final List<RefLayer> layers;

  public RefSequential(List<RefLayer> layers) {
    this.layers = List.copyOf(layers);
  }

  @Override
  public List<DTensor> params() {
    List<DTensor> all = new ArrayList<>();
    for (RefLayer layer : layers) {
      all.addAll(layer.params());
    }
    return all;
  }

  @Override
  public DTensor forward(DTensor x) {
    for (RefLayer layer : layers) {
      x = layer.forward(x);
    }
    return x;
  }

  @Override
  public Grads backward(DTensor x, DTensor dy) {
    List<DTensor> inputs = new ArrayList<>();
    for (RefLayer layer : layers) {
      inputs.add(x);
      x = layer.forward(x);
    }
    List<List<DTensor>> paramGrads = new ArrayList<>();
    for (int i = layers.size() - 1; i >= 0; i--) {
      Grads g = layers.get(i).backward(inputs.get(i), dy);
      paramGrads.add(0, g.params());
      dy = g.input();
    }
    List<DTensor> all = new ArrayList<>();
    paramGrads.forEach(all::addAll);
    return new Grads(dy, all);
  }
}
