package dev.backprop.layers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backprop.golden.Golden;
import dev.backprop.io.SafetensorsFile;
import dev.backprop.tensor.Tensor;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every layer against PyTorch, one test per {@code golden/layer_*.safetensors} fixture (tinygrad's
 * helper_test_op, driven by the files: a case added to make_golden.py is a new test, with nothing to add here;
 * format in {@code tools/golden/README.md}). Per fixture: the layer its {@code java} entry constructs
 * ({@link Golden#construct}), PyTorch's parameters and BatchNorm buffers copied in by name,
 * forward on {@code input} in the fixture's mode, backward of {@code grad_output} into zeroed gradients; then
 * {@code output}, {@code grad_input}, {@code grad_<param>} and the buffers after the forward
 * ({@code <buffer>_after}: BatchNorm running statistics and num_batches_tracked) are compared.
 *
 * <p>Tolerance: max|ours − torch| ≤ {@link #TOLERANCE} · max|torch| per tensor, for every fixture, from an error
 * model: both sides are float32 and differ only in summation order (PyTorch's conv and BatchNorm kernels block and
 * vectorise their sums; ours follow the canonical order of {@code GemmKernel} and {@code KernelSet}, the
 * same bits on every CPU). With rounding errors that behave like a random walk, a sum of k terms is off by about
 * √k·u of its magnitude (u = 2^-24), two implementations differ by about √2 times that, and 2× that leaves room
 * for the tail: TOLERANCE = 2·√2·√k·u with k = 2,704, the longest sum in the fixtures (conv2d_first_layer's
 * grad_weight and grad_bias, 4·26·26 terms), = 8.8e-6. Measured: at most 3e-7 except those two sums, 1.8e-6. Linear, pooling, ReLU,
 * Flatten and Dropout agree exactly. Run with {@code -Dbackprop.golden.verbose=true} to print every tensor's
 * difference.
 *
 * <p>Dropout: PyTorch's mask comes from its own generator, which the engine does not reproduce, so the fixture
 * exports it ({@code mask}) and the layer is run on that mask through the package-private
 * {@link AbstractDropout#forwardWithMask}; output and gradient then have to be input · mask / (1 − p) exactly as
 * PyTorch computed them. The engine's own masks are tested in {@code DropoutTest}.
 */
class LayerGoldenTest {
  /** The longest sum any fixture's tensors hold. */
  static final int LONGEST_SUM = 4 * 26 * 26;
  static final double TOLERANCE = 2 * Math.sqrt(2) * Math.sqrt(LONGEST_SUM) * 0x1p-24;

  private static final boolean VERBOSE = Boolean.getBoolean("backprop.golden.verbose");

  static List<String> fixtures() {
    return Golden.list("layer_");
  }

  /** The engine layer a fixture's {@code java} entry constructs. */
  static Layer layerFor(Map<String, String> meta) {
    return Golden.construct(meta.get("java"), "dev.backprop.layers", Layer.class);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void matchesPyTorch(String name) {
    SafetensorsFile f = Golden.load(name);
    Layer layer = layerFor(f.metadata());
    boolean training =
        switch (f.metadata().get("mode")) {
          case "train" -> true;
          case "eval" -> false;
          default -> throw new AssertionError(name + ": mode " + f.metadata().get("mode"));
        };

    // PyTorch's state by name; the fixture must hold exactly the layer's parameters and buffers
    Set<String> ours = new TreeSet<>();
    for (Parameter p : layer.parameters()) {
      load(f, p.name(), p.value());
      ours.add(p.name());
    }
    for (Buffer b : layer.buffers()) {
      load(f, b.name(), b.value());
      ours.add(b.name());
    }
    assertThat(ours).as(name + ": parameters and buffers").isEqualTo(stateNames(f));

    Tensor x = f.tensor("input");
    Tensor y =
        layer instanceof AbstractDropout dropout
            ? dropout.forwardWithMask(x, f.tensor("mask"))
            : layer.forward(x, training);
    compare(name, f, "output", y);

    for (Parameter p : layer.parameters()) {
      p.zeroGrad();
    }
    Tensor dx = layer.backward(f.tensor("grad_output"));
    compare(name, f, "grad_input", dx);
    for (Parameter p : layer.parameters()) {
      compare(name, f, "grad_" + p.name(), p.grad());
    }
    for (Buffer b : layer.buffers()) {
      compare(name, f, b.name() + "_after", b.value());
    }
  }

  /** Fixture tensors that are layer state: everything but input, output, gradients, *_after and mask. */
  private static Set<String> stateNames(SafetensorsFile f) {
    Set<String> state = new TreeSet<>();
    for (String n : f.names()) {
      boolean data = n.equals("input") || n.equals("output") || n.equals("mask");
      if (!data && !n.startsWith("grad_") && !n.endsWith("_after")) {
        state.add(n);
      }
    }
    return state;
  }

  private static void load(SafetensorsFile f, String name, Tensor into) {
    Tensor t = f.tensor(name);
    assertThat(t.shape()).as(f.source() + " " + name + " shape").containsExactly(into.shape());
    System.arraycopy(t.data(), 0, into.data(), 0, t.size());
  }

  private static void compare(String fixture, SafetensorsFile f, String name, Tensor ours) {
    Tensor torch = f.tensor(name);
    assertThat(ours.shape()).as(fixture + " " + name + " shape").containsExactly(torch.shape());
    double rel = Golden.assertRelative(fixture + " " + name, torch.data(), ours.data(), TOLERANCE);
    if (VERBOSE) {
      System.out.printf("%-32s %-28s max|diff|/max|torch| %.2e%n", fixture, name, rel);
    }
  }
}
