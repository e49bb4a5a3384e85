package dev.backprop.layers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backprop.models.ArchSpec;
import dev.backprop.models.Zoo;
import dev.backprop.tensor.Parallel;
import dev.backprop.tensor.Rng;
import dev.backprop.tensor.Tensor;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Sequential fuses Conv2d-ReLU-BatchNorm2d blocks (the ReLU into the convolution's output pass and into
 * BatchNorm's backward in training; the eval BatchNorm into the output pass too in infer): the results must be
 * exactly the bits of the layers run one by one.
 */
class FusedBlocksTest {
  private static final String ARCH = "c4 c8p1 m d0.1 c8nb conv8 bn conv8k1 relu a2 fc10";
  private static final String INTERLEAVED = "c8 c16 m c16 d0.1 c16nb m conv12 bn conv10k1 relu a2 fc10";

  @ParameterizedTest
  @ValueSource(strings = {ARCH, "ref15k"})
  void aTrainingStepGivesTheBitsOfTheLayersOneByOne(String model) {
    Sequential fused = build(model);
    Sequential separate = build(model);
    Tensor x = images(6, 30);

    Tensor fusedOut = fused.forward(x, true);
    Tensor separateOut = x;
    for (Layer layer : separate.layers()) {
      separateOut = layer.forward(separateOut, true);
    }
    assertThat(fusedOut.copy().data()).isEqualTo(separateOut.copy().data());

    Tensor grad = gaussianLike(fusedOut, 31);
    Tensor fusedGrad = fused.backward(grad);
    Tensor separateGrad = grad;
    for (int i = separate.layers().size() - 1; i >= 0; i--) {
      separateGrad = separate.layers().get(i).backward(separateGrad);
    }
    assertThat(fusedGrad.copy().data()).isEqualTo(separateGrad.copy().data());
    assertSameParameterGradients(fused, separate);
  }

  /** Training's backward skips the first convolution's input gradient and gives every parameter the same bits. */
  @ParameterizedTest
  @ValueSource(strings = {ARCH, "ref15k"})
  void backwardParametersGivesTheParametersTheBitsOfBackward(String model) {
    Sequential full = build(model);
    Sequential parametersOnly = build(model);
    Tensor x = images(6, 32);
    Tensor grad = gaussianLike(full.forward(x, true), 33);
    parametersOnly.forward(x, true);
    full.backward(grad);
    parametersOnly.backwardParameters(grad);
    assertSameParameterGradients(parametersOnly, full);
  }

  private static Tensor gaussianLike(Tensor like, int seed) {
    Tensor t = Tensor.zeros(like.shape());
    new Rng(seed).gaussian(t.data(), 0, 1);
    return t;
  }

  private static void assertSameParameterGradients(Sequential a, Sequential b) {
    var bParameters = b.namedParameters();
    a.namedParameters().forEach((name, p) -> assertThat(p.grad().data())
        .as(name)
        .isEqualTo(bParameters.get(name).grad().data()));
  }

  private static Sequential build(String model) {
    return model.equals("ref15k") ? Zoo.get(model).build(new Rng(5)) : ArchSpec.build(model, new Rng(5));
  }

  // ARCH: conv-ReLU-BN blocks, a bias-free one, conv-BN without ReLU, conv-ReLU without BN, a dropout between; at
  // batch 16 or more its first block runs with the samples in the lanes, up to the padded convolution.
  // INTERLEAVED: the samples in the lanes all the way from the first convolution to the linear layer, through max
  // pools, a dropout, a bare conv, a conv-BN, a conv-ReLU and an average pool.
  @ParameterizedTest
  @CsvSource({"ARCH, 7, 1", "ARCH, 37, 2", "INTERLEAVED, 7, 2", "INTERLEAVED, 16, 1", "INTERLEAVED, 37, 1",
      "INTERLEAVED, 37, 2", "INTERLEAVED, 37, 3", "ref15k, 7, 2", "ref15k, 16, 2", "ref15k, 37, 1",
      "ref15k, 37, 3"})
  void inferGivesTheBitsOfTheEvalForward(String name, int batch, int threads) {
    String model = switch (name) {
      case "ARCH" -> ARCH;
      case "INTERLEAVED" -> INTERLEAVED;
      default -> name;
    };
    Sequential net = build(model);
    // A few training steps, so that the running statistics and the BN affine parameters are not (0, 1, 1, 0).
    Rng rng = new Rng(6);
    for (int step = 0; step < 3; step++) {
      Tensor out = net.forward(images(16, 10 + step), true);
      Tensor grad = Tensor.zeros(out.shape());
      rng.gaussian(grad.data(), 0, 1);
      net.backward(grad);
      for (Parameter p : net.parameters()) {
        float[] value = p.value().data();
        float[] g = p.grad().data();
        for (int i = 0; i < value.length; i++) {
          value[i] -= 0.05f * g[i];
        }
      }
      net.zeroGrad();
    }
    Tensor x = images(batch, 20);

    float[] layerByLayer = net.forward(x, false).copy().data();
    float[] fused;
    try {
      Parallel.setThreads(threads);
      fused = net.infer(x).copy().data();
    } finally {
      Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }

    assertThat(fused).isEqualTo(layerByLayer);
    assertThat(Arrays.equals(fused, net.forward(images(batch, 21), false).copy().data()))
        .as("the outputs depend on the input")
        .isFalse();
  }

  @ParameterizedTest
  @CsvSource({"ARCH, 3", "INTERLEAVED, 20", "ref15k, 26"})
  void theInterleavedLayersRunFromTheFirstConvolutionAsFarAsTheyCan(String name, int end) {
    Sequential net = build(name.equals("ARCH") ? ARCH : name.equals("INTERLEAVED") ? INTERLEAVED : name);
    InterleavedLayers segment = net.plan().interleaved(1, 28, 28);
    assertThat(segment.start()).isZero();
    assertThat(segment.end()).as("the first layer after them").isEqualTo(end);
    assertThat(net.layers().get(end)).isNotInstanceOfAny(Pool2d.class, AbstractDropout.class);
  }

  private static Tensor images(int n, long seed) {
    Tensor x = Tensor.zeros(n, 1, 28, 28);
    new Rng(seed).gaussian(x.data(), 0, 1);
    return x;
  }
}
