package dev.backprop.layers;

import dev.backprop.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ObjIntConsumer;

/** Layers applied in order; state names follow PyTorch's nn.Sequential ("0.weight", "2.running_mean", ...). */
public final class Sequential implements Layer {
  private final List<Layer> layers;
  private final FusionPlan plan;
  private boolean fusedForward; // the last forward ran the training blocks fused

  public Sequential(List<Layer> layers) {
    this.layers = List.copyOf(layers);
    this.plan = new FusionPlan(this.layers);
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
   * In training, a Conv2d-ReLU-BatchNorm2d block runs its ReLU inside the others ({@link FusionPlan}): the bits the
   * three layers give one by one, with two passes over the block's activations fewer. In eval mode every layer runs
   * alone, so that a backward may follow; {@link #infer} fuses further.
   */
  @Override
  public Tensor forward(Tensor input, boolean training) {
    fusedForward = training;
    Tensor x = input;
    for (int i = 0; i < layers.size(); i++) {
      if (fusedForward && plan.trainingBlockAt(i)) {
        x = ((Conv2d) layers.get(i)).forward(x, true, plan.trainingStage());
        x = layers.get(i + 2).forward(x, true);
        i += 2;
      } else {
        x = layers.get(i).forward(x, training);
      }
    }
    return x;
  }

  /**
   * {@code forward(input, false)} that hands each layer's output to {@code observer} (output, layer index) as it is
   * made, for pictures of the activations; a {@link #backward} may follow. The tensors are the layers' own buffers:
   * copy what must outlive the next forward.
   */
  public Tensor forward(Tensor input, ObjIntConsumer<Tensor> observer) {
    fusedForward = false;
    Tensor x = input;
    for (int i = 0; i < layers.size(); i++) {
      x = layers.get(i).forward(x, false);
      observer.accept(x, i);
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
    InterleavedLayers segment = input.rank() == 4 && input.dim(0) >= InterleavedLayers.BLOCK
        ? plan.interleaved(input.dim(1), input.dim(2), input.dim(3)) : null;
    for (int i = 0; i < layers.size(); i++) {
      if (segment != null && i == segment.start()) {
        x = segment.forward(x);
        i = segment.end() - 1;
        continue;
      }
      ConvStrategy.OutputStage stage = plan.inferStageAt(i);
      if (stage != null) {
        x = ((Conv2d) layers.get(i)).forward(x, false, stage);
        i += (stage.relu() ? 1 : 0) + (stage.norm() != null ? 1 : 0);
      } else {
        x = layers.get(i).forward(x, false);
      }
    }
    return x;
  }

  /** What runs fused (tests). */
  FusionPlan plan() {
    return plan;
  }

  @Override
  public Tensor backward(Tensor gradOutput) {
    return backward(gradOutput, true);
  }

  /**
   * The backward of training: every parameter's gradient, the bits {@link #backward} gives, but not the gradient
   * for the input (the data), which a first Conv2d then does not compute.
   */
  public void backwardParameters(Tensor gradOutput) {
    backward(gradOutput, false);
  }

  private Tensor backward(Tensor gradOutput, boolean inputGradient) {
    Tensor g = gradOutput;
    for (int i = layers.size() - 1; i >= 0; i--) {
      if (fusedForward && i >= 2 && plan.trainingBlockAt(i - 2)) {
        g = ((BatchNorm2d) layers.get(i)).backward(g, true);
        g = backwardLayer(i - 2, g, inputGradient);
        i -= 2;
      } else {
        g = backwardLayer(i, g, inputGradient);
      }
    }
    return g;
  }

  private Tensor backwardLayer(int i, Tensor g, boolean inputGradient) {
    if (i == 0 && !inputGradient && plan.firstIsConv()) {
      return ((Conv2d) layers.get(0)).backward(g, false);
    }
    return layers.get(i).backward(g);
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
