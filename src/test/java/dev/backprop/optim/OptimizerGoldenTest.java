package dev.backprop.optim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backprop.golden.Golden;
import dev.backprop.io.SafetensorsFile;
import dev.backprop.layers.Parameter;
import dev.backprop.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Five steps of each optimizer against torch.optim (fixtures {@code optim_*.safetensors}). Float32 on both sides
 * with the same operation order; PyTorch's vectorised kernels fuse some multiply-adds, so parameters agree to a
 * few ulps: rtol 1e-6, atol 1e-7.
 */
class OptimizerGoldenTest {
  static final double RTOL = 1e-6;
  static final double ATOL = 1e-7;

  /** The optimizer described by a fixture's metadata. */
  static Optimizer optimizerFor(Map<String, String> meta, List<Parameter> params) {
    double lr = Double.parseDouble(meta.get("lr"));
    double wd = Double.parseDouble(meta.getOrDefault("weight_decay", "0"));
    return switch (meta.get("optimizer")) {
      case "SGD" ->
          new Sgd(
              params,
              lr,
              Double.parseDouble(meta.get("momentum")),
              Double.parseDouble(meta.getOrDefault("dampening", "0")),
              Boolean.parseBoolean(meta.getOrDefault("nesterov", "false")),
              wd);
      case "Adam" ->
          new Adam(params, lr, Double.parseDouble(meta.get("beta1")), Double.parseDouble(meta.get("beta2")),
              Double.parseDouble(meta.get("eps")), wd);
      case "AdamW" ->
          new AdamW(params, lr, Double.parseDouble(meta.get("beta1")), Double.parseDouble(meta.get("beta2")),
              Double.parseDouble(meta.get("eps")), wd);
      default -> throw new IllegalArgumentException("unknown optimizer " + meta.get("optimizer"));
    };
  }

  /** Row k of a [steps, ...shape] tensor. */
  static float[] row(float[] stacked, int k, int size) {
    return Arrays.copyOfRange(stacked, k * size, (k + 1) * size);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "sgd_plain", "sgd_momentum", "sgd_nesterov", "sgd_momentum_wd", "sgd_dampening",
        "adam_default", "adam_wd", "adam_custom", "adamw", "adamw_lr0.01"
      })
  void matchesPyTorch(String name) {
    SafetensorsFile f = Golden.load("optim_" + name);
    int count = Integer.parseInt(f.metadata().get("params"));
    int steps = Integer.parseInt(f.metadata().get("steps"));
    List<Parameter> params = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Tensor initial = f.tensor("p" + i);
      params.add(new Parameter("p" + i, initial));
    }
    Optimizer optimizer = optimizerFor(f.metadata(), params);
    for (int k = 0; k < steps; k++) {
      for (int i = 0; i < count; i++) {
        Parameter p = params.get(i);
        System.arraycopy(row(f.floats("p" + i + ".grads"), k, p.size()), 0, p.grad().data(), 0, p.size());
      }
      optimizer.step();
      for (int i = 0; i < count; i++) {
        Parameter p = params.get(i);
        float[] expected = row(f.floats("p" + i + ".after"), k, p.size());
        Golden.assertClose(name + " p" + i + " after step " + (k + 1), expected, p.value().data(), RTOL, ATOL);
      }
    }
    // the fixture really moves the parameters: a no-op optimizer would fail above
    assertThat(params.get(0).value().data()).isNotEqualTo(f.floats("p0"));
  }
}
