package dev.backprop.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import dev.backprop.reference.Check;
import dev.backprop.reference.Reference;
import dev.backprop.tensor.Rng;
import dev.backprop.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The reference CNN "ref15k" built from the engine's layers: 15,738 trainable parameters, PyTorch's
 * nn.Sequential state_dict names, 28 → 1 spatial shapes, and the whole model against the double reference.
 */
class Ref15kTest {

  /** Conv(in→out, k, no padding, bias) → ReLU → BatchNorm. */
  private static void block(List<Layer> layers, int in, int out, Rng rng) {
    layers.add(new Conv2d(in, out, 3, 1, 0, true, rng));
    layers.add(new ReLU());
    layers.add(new BatchNorm2d(out));
  }

  static Sequential ref15k(Rng rng) {
    return ref15k(0.05, rng);
  }

  /** ref15k with the given dropout probability (0 for the deterministic PyTorch training-step fixture). */
  static Sequential ref15k(double dropout, Rng rng) {
    List<Layer> layers = new ArrayList<>();
    block(layers, 1, 8, rng); // 0-2     28 -> 26
    block(layers, 8, 16, rng); // 3-5    26 -> 24
    block(layers, 16, 16, rng); // 6-8   24 -> 22
    layers.add(new MaxPool2d(2, 2)); // 9   22 -> 11
    layers.add(new Dropout(dropout, rng)); // 10
    block(layers, 16, 16, rng); // 11-13 11 -> 9
    block(layers, 16, 16, rng); // 14-16  9 -> 7
    block(layers, 16, 16, rng); // 17-19  7 -> 5
    layers.add(new Dropout(dropout, rng)); // 20
    block(layers, 16, 32, rng); // 21-23  5 -> 3
    layers.add(new Conv2d(32, 10, 1, 1, 0, true, rng)); // 24   3 -> 3
    layers.add(new AvgPool2d(3, 3)); // 25   3 -> 1
    layers.add(new Flatten()); // 26
    layers.add(new LogSoftmax()); // 27
    return new Sequential(layers);
  }

  @Test
  void hasExactly15738TrainableParameters() {
    Sequential model = ref15k(new Rng(1));
    assertThat(model.parameterCount()).isEqualTo(15_738);
    // running mean and var of 120 BN channels, plus 7 num_batches_tracked: state, not trainable parameters
    assertThat(model.bufferCount()).isEqualTo(2 * 120 + 7);
  }

  @Test
  void stateDictNamesAreThoseOfPyTorchsSequential() {
    Sequential model = ref15k(new Rng(1));
    List<String> expectedParams = new ArrayList<>();
    List<String> expectedBuffers = new ArrayList<>();
    for (int conv : new int[] {0, 3, 6, 11, 14, 17, 21, 24}) {
      expectedParams.add(conv + ".weight");
      expectedParams.add(conv + ".bias");
      if (conv != 24) {
        int bn = conv + 2;
        expectedParams.add(bn + ".weight");
        expectedParams.add(bn + ".bias");
        expectedBuffers.add(bn + ".running_mean");
        expectedBuffers.add(bn + ".running_var");
        expectedBuffers.add(bn + ".num_batches_tracked");
      }
    }
    assertThat(model.namedParameters().keySet()).containsExactlyElementsOf(expectedParams);
    assertThat(model.namedBuffers().keySet()).containsExactlyElementsOf(expectedBuffers);
    assertThat(model.namedParameters().get("0.weight").value().shape()).containsExactly(8, 1, 3, 3);
    assertThat(model.namedParameters().get("21.weight").value().shape()).containsExactly(32, 16, 3, 3);
    assertThat(model.namedParameters().get("24.weight").value().shape()).containsExactly(10, 32, 1, 1);
    assertThat(model.namedParameters().get("23.bias").value().shape()).containsExactly(32);
  }

  @Test
  void spatialSizesGoFrom28To1() {
    Sequential model = ref15k(new Rng(1));
    List<Integer> sizes = new ArrayList<>();
    int[] shape = {1, 28, 28};
    for (Layer layer : model.layers()) {
      int before = shape.length == 3 ? shape[1] : -1;
      shape = layer.outputShape(shape);
      if (shape.length == 3 && shape[1] != before) {
        sizes.add(shape[1]);
      }
    }
    assertThat(sizes).containsExactly(26, 24, 22, 11, 9, 7, 5, 3, 1);
    assertThat(model.outputShape(new int[] {1, 28, 28})).containsExactly(10);
  }

  @Test
  void outputsLogProbabilitiesInTrainingAndEval() {
    Sequential model = ref15k(new Rng(2));
    Tensor x = Tensor.zeros(4, 1, 28, 28);
    new Rng(3).uniform(x.data(), 0, 1);
    for (boolean training : new boolean[] {true, false}) {
      Tensor y = model.forward(x, training);
      assertThat(y.shape()).containsExactly(4, 10);
      for (int n = 0; n < 4; n++) {
        double sum = 0;
        for (int c = 0; c < 10; c++) {
          sum += Math.exp(y.data()[n * 10 + c]);
        }
        assertThat(sum).isCloseTo(1, offset(1e-5));
      }
    }
  }

  @Test
  void wholeModelMatchesTheDoubleReference() {
    // Every layer is checked entry by entry in LayerGradientTest; this checks that they compose: engine vs
    // reference on every gradient entry, and the reference against finite differences along random directions.
    Sequential model = ref15k(new Rng(4));
    Check.layer(model, e -> Reference.of(e, true), true, 5, Check.DIRECTIONAL, Check.ENGINE_TOLERANCE, 2, 1, 28, 28);
    Check.layer(model, e -> Reference.of(e, false), false, 6, Check.DIRECTIONAL, Check.ENGINE_TOLERANCE, 2, 1, 28, 28);
  }
}
