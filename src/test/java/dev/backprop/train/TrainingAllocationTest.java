package dev.backprop.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backprop.layers.Sequential;
import dev.backprop.loss.NllLoss;
import dev.backprop.models.Zoo;
import dev.backprop.optim.Sgd;
import dev.backprop.tensor.Parallel;
import dev.backprop.tensor.Rng;
import dev.backprop.tensor.Tensor;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A steady training step of ref15k (forward, loss, backward, SGD) allocates next to nothing, counted on the
 * caller and on the pool's workers.
 */
class TrainingAllocationTest {

  @AfterEach
  void restoreDefault() {
    Parallel.setThreads(Runtime.getRuntime().availableProcessors());
  }

  @ParameterizedTest(name = "{0} threads")
  @ValueSource(ints = {1, 2})
  void trainingStepsAllocateNextToNothing(int threads) {
    var bean = ManagementFactory.getThreadMXBean();
    Assumptions.assumeTrue(bean instanceof com.sun.management.ThreadMXBean);
    var counter = (com.sun.management.ThreadMXBean) bean;
    Parallel.setThreads(threads);
    Sequential model = Zoo.get("ref15k").build(new Rng(1));
    NllLoss loss = new NllLoss();
    Sgd sgd = new Sgd(model.parameters(), 0.01, 0.9, 0, false, 0);
    Tensor x = Tensor.zeros(16, 1, 28, 28);
    new Rng(2).gaussian(x.data(), 0, 1);
    int[] labels = new int[16];
    Arrays.setAll(labels, i -> i % 10);
    long[] ids = Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t == Thread.currentThread() || t.getName().startsWith("backprop-worker-"))
        .mapToLong(Thread::threadId).toArray();
    // Workers of an earlier, larger pool may still be winding down; idle, they add nothing to the count.
    assertThat(ids).hasSizeGreaterThanOrEqualTo(threads);
    int steps = 5;
    Runnable step = () -> {
      sgd.zeroGrad();
      loss.forward(model.forward(x, true), labels);
      model.backwardParameters(loss.backward());
      sgd.step();
    };
    // The first rounds load classes and compile. Until C2 has compiled a Vector API kernel, every vector
    // operation in it allocates, and C2 compiles one method at a time: after the suite's earlier tests have
    // filled its queue, on a busy machine, that took longer than 100 rounds (3 to 5 s) in 2 of 6 CI runs. So the
    // steady state is the fewest bytes of any round within 30 s. A buffer or lambda made per step would show in
    // every round.
    long fewest = Long.MAX_VALUE;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    int rounds = 0;
    for (; fewest >= 1200 && (rounds == 0 || System.nanoTime() < deadline); rounds++) {
      long before = Arrays.stream(counter.getThreadAllocatedBytes(ids)).sum();
      for (int i = 0; i < steps; i++) {
        step.run();
      }
      long allocated = Arrays.stream(counter.getThreadAllocatedBytes(ids)).sum() - before;
      fewest = Math.min(fewest, allocated / steps);
    }
    // About 800 bytes today, the same with 1 and 2 threads: small shape arrays (varargs, clones) the JIT does not
    // always eliminate. A lambda or buffer per parallel loop would add kilobytes.
    String where = fewest < 1200 ? "" : whereItAllocates(step);
    assertThat(fewest).as("bytes allocated per training step, fewest of %d rounds%s", rounds, where)
        .isLessThan(1200);
  }

  /** The project's methods that allocate most during a few more steps, from JFR's allocation samples. */
  private static String whereItAllocates(Runnable step) {
    try (Recording recording = new Recording()) {
      recording.enable("jdk.ObjectAllocationSample").withoutThreshold();
      recording.start();
      for (int i = 0; i < 20; i++) {
        step.run();
      }
      recording.stop();
      Path file = Files.createTempFile("allocation", ".jfr");
      recording.dump(file);
      Map<String, Long> bytes = new HashMap<>();
      for (RecordedEvent event : RecordingFile.readAllEvents(file)) {
        if (event.getStackTrace() == null) {
          continue;
        }
        event.getStackTrace().getFrames().stream()
            .filter(f -> f.getMethod().getType().getName().startsWith("dev.backprop")).findFirst()
            .ifPresent(f -> bytes.merge(frame(f), event.getLong("weight"), Long::sum));
      }
      Files.delete(file);
      return "; JFR's samples over 20 more steps: " + bytes.entrySet().stream()
          .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder())).limit(5)
          .map(e -> e.getKey() + " " + e.getValue() / 1000 + " kB by sample weight").collect(Collectors.joining(", "));
    } catch (Exception e) {
      return "; no JFR samples: " + e;
    }
  }

  private static String frame(RecordedFrame f) {
    return f.getMethod().getType().getName().replace("dev.backprop.", "") + "." + f.getMethod().getName() + ":"
        + f.getLineNumber() + " (" + f.getType() + ")";
  }
}
