package dev.backprop.optim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backprop.golden.Golden;
import dev.backprop.io.SafetensorsFile;
import dev.backprop.layers.Parameter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The optimizer half of the ref15k training step, on the real parameter shapes (where PyTorch takes its
 * vectorised kernels): PyTorch's gradients from {@code ref15k_step} through our SGD(lr 0.01, momentum 0.9) must
 * give the parameters in {@code ref15k_step_after}. rtol 1e-6, atol 1e-7 as for the other optimizer fixtures.
 */
class Ref15kSgdStepTest {

  @Test
  void sgdStepOnPyTorchGradientsGivesPyTorchsUpdatedParameters() {
    SafetensorsFile before = Golden.load("ref15k_step");
    SafetensorsFile after = Golden.load("ref15k_step_after");
    List<Parameter> params = new ArrayList<>();
    int trainable = 0;
    for (String name : before.names()) {
      if (before.contains("grad." + name)) {
        Parameter p = new Parameter(name, before.tensor(name));
        float[] grad = before.floats("grad." + name);
        System.arraycopy(grad, 0, p.grad().data(), 0, grad.length);
        params.add(p);
        trainable += p.size();
      }
    }
    assertThat(trainable).isEqualTo(15_738);
    Sgd sgd =
        Sgd.withMomentum(
            params,
            Double.parseDouble(before.metadata().get("lr")),
            Double.parseDouble(before.metadata().get("momentum")));
    sgd.step();
    for (Parameter p : params) {
      Golden.assertClose(p.name(), after.floats(p.name()), p.value().data(), 1e-6, 1e-7);
    }
  }
}
