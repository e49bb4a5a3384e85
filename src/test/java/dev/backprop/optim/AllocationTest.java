package dev.backprop.optim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backprop.layers.Parameter;
import dev.backprop.tensor.Tensor;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * After the first step, optimizer and schedule steps allocate nothing (measured per thread by the JVM). A loop
 * that allocated would cost at least 16 bytes a step, 8,000 bytes per round of 500 steps, in every round. The JVM
 * itself allocates now and then (a deoptimisation, a lazily resolved call site, a few hundred bytes seen), so
 * the check takes the best of several rounds and allows 2,000 bytes: far from both.
 */
class AllocationTest {

  static Stream<Arguments> optimizers() {
    return Stream.of(
        Arguments.of("SGD nesterov + weight decay",
            (Function<List<Parameter>, Optimizer>) ps -> new Sgd(ps, 0.01, 0.9, 0, true, 5e-4)),
        Arguments.of("Adam + weight decay",
            (Function<List<Parameter>, Optimizer>) ps -> new Adam(ps, 1e-3, 0.9, 0.999, 1e-8, 0.01)),
        Arguments.of("AdamW", (Function<List<Parameter>, Optimizer>) ps -> AdamW.withDefaults(ps, 1e-3)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("optimizers")
  void stepsAllocateNothing(String name, Function<List<Parameter>, Optimizer> make) {
    var threads = ManagementFactory.getThreadMXBean();
    Assumptions.assumeTrue(threads instanceof com.sun.management.ThreadMXBean);
    var counter = (com.sun.management.ThreadMXBean) threads;
    List<Parameter> params =
        List.of(new Parameter("weight", Tensor.zeros(16, 8, 3, 3)), new Parameter("bias", Tensor.zeros(16)));
    params.forEach(p -> p.grad().fill(0.5f));
    Optimizer optimizer = make.apply(params);
    LrSchedule oneCycle = OneCycleLR.withDefaults(optimizer, 0.05, 10_000);
    LrSchedule stepLr = new StepLR(optimizer, 7, 0.5);
    long thread = Thread.currentThread().threadId();
    long fewest = Long.MAX_VALUE;
    for (int round = 0; round < 6; round++) { // the first round loads classes and is not counted
      long before = counter.getThreadAllocatedBytes(thread);
      for (int i = 0; i < 500; i++) {
        optimizer.zeroGrad();
        optimizer.step();
        oneCycle.step();
        stepLr.step();
      }
      long allocated = counter.getThreadAllocatedBytes(thread) - before;
      if (round > 0) {
        fewest = Math.min(fewest, allocated);
      }
    }
    assertThat(fewest).as(name + ": bytes allocated by 500 steps, best round").isLessThan(2_000);
  }
}
