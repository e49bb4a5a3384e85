package dev.backprop.layers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backprop.golden.Golden;
import dev.backprop.io.SafetensorsFile;
import dev.backprop.loss.NllLoss;
import dev.backprop.optim.Sgd;
import dev.backprop.tensor.Rng;
import dev.backprop.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The whole engine against PyTorch on one training step of ref15k (llm.c's test_gpt2): the model built from
 * engine layers with PyTorch's initial state_dict loaded by name ({@code ref15k_step.safetensors}), one
 * train-mode step on the fixture batch (forward, NLL loss, backward, SGD lr 0.01 momentum 0.9), compared tensor by
 * tensor; then nine more steps on the same batch, compared by loss. Prints the difference of every tensor and
 * the ten losses side by side.
 *
 * <p>Tolerances, max|ours − torch| ≤ tol · max|torch| per tensor (measured worst in brackets):
 *
 * <ul>
 *   <li>{@link #FORWARD} 2e-6: the log-probabilities [3.5e-7], the loss [0] and the running statistics after
 *       the step [4.4e-7; num_batches_tracked exact]. Float32 through 28 layers in different summation orders:
 *       against a float64 run of the same PyTorch model, ours and PyTorch's float32 outputs are both 3.5e-7 off.
 *   <li>{@link #GRADIENT} 2e-5: every parameter gradient [4.3e-6, 6.bias; ours and PyTorch's are each up to
 *       3.5e-6 from float64]. Backward carries the forward's rounding back through seven BatchNorms (each
 *       subtracts means and divides by a batch standard deviation) and sums thousands of products per weight.
 *   <li>{@link #GRADIENT} also for the parameters after the SGD step [1.8e-6]: a parameter moves by lr·(its
 *       gradient), and the BatchNorm biases start at 0, so after one step they are −lr·grad and carry the
 *       gradient's relative error unchanged.
 *   <li>{@link #LOSSES} 1e-4 for the ten losses [steps 0-7 ≤ 1.1e-7, step 8 2e-6, step 9 8e-6]. Not drift:
 *       in step 7 one input of the first ReLU is 2.8e-8 in exact arithmetic (1.1e-8 of the layer's largest
 *       value, below float32 rounding), ours rounds it to −1.5e-8 and PyTorch to +1.8e-7, so that element's
 *       gradient is dropped by us and kept by PyTorch; 0.weight's gradient then differs by 2.6% and the
 *       trajectories part (about 4× per step). Which side of a kink such an element lands on depends on the
 *       summation order, so a faster Gemm may move the crossing to another step: 1e-4 leaves room for that;
 *       a real error in any layer shows up at step 0 already.
 * </ul>
 */
class Ref15kGoldenStepTest {
  static final double FORWARD = 2e-6;
  static final double GRADIENT = 2e-5;
  static final double LOSSES = 1e-4;

  @Test
  void oneStepAndTenLossesMatchPyTorch() {
    SafetensorsFile f = Golden.load("ref15k_step");
    SafetensorsFile after = Golden.load("ref15k_step_after");
    Map<String, String> meta = f.metadata();
    assertThat(meta.get("dropout")).isEqualTo("0");
    assertThat(meta.get("mode")).isEqualTo("train");
    assertThat(meta.get("loss")).isEqualTo("nll_loss mean");
    assertThat(meta.get("optimizer")).isEqualTo("SGD");

    Sequential model = Ref15kTest.ref15k(0.0, new Rng(1)); // parameters are loaded below
    Map<String, Parameter> params = model.namedParameters();
    Map<String, Buffer> buffers = model.namedBuffers();
    assertThat(model.parameterCount()).isEqualTo(Long.parseLong(meta.get("trainable_parameters")));
    Set<String> ours = new TreeSet<>(params.keySet());
    ours.addAll(buffers.keySet());
    assertThat(ours).as("state_dict names").isEqualTo(stateNames(f));
    params.forEach((name, p) -> load(f, name, p.value()));
    buffers.forEach((name, b) -> load(f, name, b.value()));

    Tensor x = f.tensor("input");
    int[] labels = labels(f.longs("target"));
    NllLoss nll = new NllLoss();
    Sgd sgd =
        Sgd.withMomentum(
            model.parameters(), Double.parseDouble(meta.get("lr")), Double.parseDouble(meta.get("momentum")));
    float[] torchLosses = f.floats("losses");
    double[] losses = new double[torchLosses.length];

    // step 0, tensor by tensor
    Tensor out = model.forward(x, true);
    losses[0] = nll.forward(out, labels);
    model.zeroGrad();
    model.backward(nll.backward());
    System.out.println("ref15k, one training step: max|ours - torch| / max|torch|");
    System.out.printf(
        "  output %.1e  loss %.1e%n",
        Golden.assertRelative("output", f.floats("output"), out.data(), FORWARD),
        Golden.assertRelative("loss", new double[] {f.floats("loss")[0]}, new double[] {losses[0]}, FORWARD));
    Map<String, Double> gradDiffs = new LinkedHashMap<>();
    params.forEach(
        (name, p) ->
            gradDiffs.put(name, Golden.assertRelative("grad." + name, f.floats("grad." + name), p.grad().data(), GRADIENT)));
    sgd.step();
    System.out.println("  parameter         gradient  after the step");
    params.forEach(
        (name, p) ->
            System.out.printf(
                "  %-16s  %.1e   %.1e%n",
                name,
                gradDiffs.get(name),
                Golden.assertRelative(name + " after the step", after.floats(name), p.value().data(), GRADIENT)));
    System.out.println("  buffer after the step");
    buffers.forEach(
        (name, b) ->
            System.out.printf(
                "  %-26s  %.1e%n",
                name,
                Golden.assertRelative(name + " after the step", after.tensor(name).data(), b.value().data(), FORWARD)));

    // nine more steps on the same batch: the losses
    for (int step = 1; step < losses.length; step++) {
      losses[step] = nll.forward(model.forward(x, true), labels);
      model.zeroGrad();
      model.backward(nll.backward());
      sgd.step();
    }
    System.out.println("step  loss (ours)   loss (torch)  relative diff");
    double[] torch = new double[losses.length];
    for (int step = 0; step < losses.length; step++) {
      torch[step] = torchLosses[step];
      System.out.printf(
          "%4d  %.8f  %.8f  %.1e%n",
          step, losses[step], torch[step], Math.abs(losses[step] - torch[step]) / Math.abs(torch[step]));
    }
    for (int step = 0; step < losses.length; step++) {
      Golden.assertRelative(
          "loss of step " + step, new double[] {torch[step]}, new double[] {losses[step]}, LOSSES);
    }
    assertThat(losses[losses.length - 1]).as("ten steps on one batch lower the loss").isLessThan(losses[0]);
  }

  /** The fixture's state_dict entries: everything but the batch, the results and the gradients. */
  private static Set<String> stateNames(SafetensorsFile f) {
    Set<String> state = new TreeSet<>();
    for (String n : f.names()) {
      if (!Set.of("input", "target", "output", "loss", "losses").contains(n) && !n.startsWith("grad.")) {
        state.add(n);
      }
    }
    return state;
  }

  private static void load(SafetensorsFile f, String name, Tensor into) {
    Tensor t = f.tensor(name);
    assertThat(t.shape()).as(name + " shape").containsExactly(into.shape());
    System.arraycopy(t.data(), 0, into.data(), 0, t.size());
  }

  private static int[] labels(long[] target) {
    int[] labels = new int[target.length];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = Math.toIntExact(target[i]);
    }
    return labels;
  }
}
