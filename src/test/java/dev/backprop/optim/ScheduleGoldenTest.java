package dev.backprop.optim;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.backprop.golden.Golden;
import dev.backprop.io.SafetensorsFile;
import dev.backprop.layers.Parameter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Learning rates and momenta against torch.optim.lr_scheduler (fixtures {@code sched_*.safetensors}), in
 * PyTorch's order: read the values the optimizer will use, {@code optimizer.step()}, {@code schedule.step()}.
 * Schedules are double arithmetic on both sides: rtol 1e-12. The OneCycle fixtures also follow a parameter
 * through the schedule (the optimizer must read lr and momentum or beta1 at every step): rtol 1e-6 as for the
 * optimizers.
 */
class ScheduleGoldenTest {
  static final double RTOL = 1e-12;

  private static LrSchedule scheduleFor(Map<String, String> meta, Optimizer optimizer) {
    return switch (meta.get("schedule")) {
      case "StepLR" ->
          new StepLR(optimizer, Integer.parseInt(meta.get("step_size")), Double.parseDouble(meta.get("gamma")));
      case "OneCycleLR" ->
          new OneCycleLR(
              optimizer,
              Double.parseDouble(meta.get("max_lr")),
              Integer.parseInt(meta.get("total_steps")),
              Double.parseDouble(meta.get("pct_start")),
              OneCycleLR.Anneal.valueOf(meta.get("anneal_strategy").toUpperCase(java.util.Locale.ROOT)),
              Double.parseDouble(meta.get("div_factor")),
              Double.parseDouble(meta.get("final_div_factor")),
              Boolean.parseBoolean(meta.get("cycle_momentum")),
              Double.parseDouble(meta.get("base_momentum")),
              Double.parseDouble(meta.get("max_momentum")));
      default -> throw new IllegalArgumentException("unknown schedule " + meta.get("schedule"));
    };
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "steplr_s10_g0.1", "steplr_s7_g0.5",
        "onecycle_sgd_100", "onecycle_adam_100", "onecycle_sgd_epochs3x7", "onecycle_sgd_linear_100"
      })
  void matchesPyTorch(String name) {
    SafetensorsFile f = Golden.load("sched_" + name);
    Map<String, String> meta = f.metadata();
    int steps = Integer.parseInt(meta.get("steps"));
    boolean trajectory = f.contains("p0");
    Parameter p = new Parameter("p0", trajectory ? f.tensor("p0") : Params.of(1f).value());
    Optimizer optimizer = OptimizerGoldenTest.optimizerFor(meta, List.of(p));
    LrSchedule schedule = scheduleFor(meta, optimizer);

    double[] lr = new double[steps + 1];
    double[] momentum = new double[steps + 1];
    float[] grads = trajectory ? f.floats("p0.grads") : null;
    float[] after = trajectory ? f.floats("p0.after") : null;
    for (int k = 0; k <= steps; k++) {
      lr[k] = optimizer.learningRate();
      momentum[k] = optimizer.momentum();
      if (k == steps) {
        break;
      }
      if (trajectory) {
        System.arraycopy(OptimizerGoldenTest.row(grads, k, p.size()), 0, p.grad().data(), 0, p.size());
      }
      optimizer.step();
      schedule.step();
      if (trajectory) {
        Golden.assertClose(name + " p0 after step " + (k + 1), OptimizerGoldenTest.row(after, k, p.size()),
            p.value().data(), OptimizerGoldenTest.RTOL, OptimizerGoldenTest.ATOL);
      }
    }
    Golden.assertClose(name + " lr", f.doubles("lr"), lr, RTOL, 0);
    Golden.assertClose(name + " momentum", f.doubles("momentum"), momentum, RTOL, 0);
    if (schedule instanceof OneCycleLR) {
      assertThatThrownBy(schedule::step).isInstanceOf(IllegalStateException.class);
    }
  }
}
