package dev.backprop.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The pool: chunk boundaries, inline running, failures, reductions that do not depend on the thread count. */
class ParallelTest {

  @AfterEach
  void restoreDefault() {
    Parallel.setThreads(Runtime.getRuntime().availableProcessors());
  }

  @ParameterizedTest(name = "{0} threads")
  @ValueSource(ints = {1, 2, 3, 5})
  void everyItemRunsOnceInChunksThatDependOnlyOnNAndGrain(int threads) {
    Parallel.setThreads(threads);
    for (int n : new int[] {0, 1, 7, 64, 128, 1000}) {
      for (int grain : new int[] {1, 3, 16, 2000}) {
        AtomicIntegerArray runs = new AtomicIntegerArray(Math.max(n, 1));
        AtomicIntegerArray chunkRuns = new AtomicIntegerArray(Parallel.chunks(n, grain) + 1);
        List<String> problems = Collections.synchronizedList(new ArrayList<>());
        Parallel.forRange(n, grain, (chunk, start, end, worker) -> {
          if (start != chunk * grain || end != Math.min(n, start + grain) || start >= end) {
            problems.add("chunk " + chunk + " = [" + start + ", " + end + ")");
          }
          if (worker < 0 || worker >= threads) {
            problems.add("worker " + worker);
          }
          chunkRuns.incrementAndGet(chunk);
          for (int i = start; i < end; i++) {
            runs.incrementAndGet(i);
          }
        });
        assertThat(problems).as("n %d, grain %d", n, grain).isEmpty();
        for (int i = 0; i < n; i++) {
          assertThat(runs.get(i)).as("item %d of %d, grain %d", i, n, grain).isEqualTo(1);
        }
        for (int c = 0; c < Parallel.chunks(n, grain); c++) {
          assertThat(chunkRuns.get(c)).as("chunk %d of n %d, grain %d", c, n, grain).isEqualTo(1);
        }
      }
    }
  }

  /**
   * Many small jobs back to back, so that workers often wake late, still holding the previous job: every job
   * must still run each of its items exactly once (and not hang).
   */
  @ParameterizedTest(name = "{0} threads")
  @ValueSource(ints = {2, 3})
  void backToBackJobsRunEachItemOnce(int threads) {
    Parallel.setThreads(threads);
    assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
      int[] sizes = {2, 8, 128, 1000, 5};
      AtomicInteger items = new AtomicInteger();
      AtomicInteger sumOfItems = new AtomicInteger();
      Parallel.Body body = (chunk, start, end, worker) -> {
        items.addAndGet(end - start);
        for (int i = start; i < end; i++) {
          sumOfItems.addAndGet(i);
        }
      };
      for (int call = 0; call < 50_000; call++) {
        int n = sizes[call % sizes.length];
        items.set(0);
        sumOfItems.set(0);
        Parallel.forRange(n, 1 + call % 3, body);
        if (items.get() != n || sumOfItems.get() != n * (n - 1) / 2) {
          throw new AssertionError("call %d: %d items (sum %d) of %d".formatted(call, items.get(),
              sumOfItems.get(), n));
        }
      }
    });
  }

  @Test
  void chunkArithmetic() {
    assertThat(Parallel.chunks(0, 4)).isZero();
    assertThat(Parallel.chunks(1, 4)).isEqualTo(1);
    assertThat(Parallel.chunks(128, 4)).isEqualTo(32);
    assertThat(Parallel.chunks(129, 4)).isEqualTo(33);
    assertThat(Parallel.grainFor(128, 32)).isEqualTo(4);
    assertThat(Parallel.grainFor(8, 32)).isEqualTo(1);
    assertThat(Parallel.grainFor(1000, 32)).isEqualTo(32);
    assertThat(Parallel.chunks(1000, Parallel.grainFor(1000, 32))).isLessThanOrEqualTo(32);
  }

  @Test
  void oneThreadRunsInlineOnTheCallerInChunkOrder() {
    Parallel.setThreads(1);
    assertThat(Parallel.threads()).isEqualTo(1);
    Thread caller = Thread.currentThread();
    List<Integer> order = new ArrayList<>();
    Parallel.forRange(10, 3, (chunk, start, end, worker) -> {
      assertThat(Thread.currentThread()).isSameAs(caller);
      assertThat(worker).isZero();
      order.add(chunk);
    });
    assertThat(order).containsExactly(0, 1, 2, 3);
  }

  @Test
  void workersRunChunksAtTheSameTime() {
    Parallel.setThreads(2);
    CyclicBarrier bothRunning = new CyclicBarrier(2);
    AtomicInteger workersSeen = new AtomicInteger();
    Parallel.forRange(2, 1, (chunk, start, end, worker) -> {
      workersSeen.addAndGet(1 << worker);
      try {
        bothRunning.await(30, TimeUnit.SECONDS); // fails unless the other chunk runs concurrently
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    assertThat(workersSeen.get()).isEqualTo(0b11);
  }

  @ParameterizedTest(name = "{0} threads")
  @ValueSource(ints = {1, 2, 3})
  void aFailingChunkReachesTheCallerNamingTheChunk(int threads) {
    Parallel.setThreads(threads);
    IllegalStateException boom = new IllegalStateException("boom");
    Throwable thrown = catchThrowable(() -> Parallel.forRange(100, 10, (chunk, start, end, worker) -> {
      if (chunk == 5) {
        throw boom;
      }
    }));
    assertThat(thrown).isInstanceOf(Parallel.ChunkFailure.class)
        .hasMessageStartingWith("chunk 5 of 10 (items 50..59) failed on thread ")
        .hasMessageEndingWith(": java.lang.IllegalStateException: boom")
        .hasCause(boom);
    // the pool is fine afterwards
    AtomicInteger sum = new AtomicInteger();
    Parallel.forRange(100, 10, (chunk, start, end, worker) -> sum.addAndGet(end - start));
    assertThat(sum.get()).isEqualTo(100);
  }

  @ParameterizedTest(name = "{0} threads")
  @ValueSource(ints = {1, 2})
  void errorsAreRethrownAsTheyAre(int threads) {
    Parallel.setThreads(threads);
    AssertionError error = new AssertionError("kernel check");
    assertThatThrownBy(() -> Parallel.forRange(8, 1, (chunk, start, end, worker) -> {
      if (chunk == 7) {
        throw error;
      }
    })).isSameAs(error);
  }

  @Test
  void aNestedLoopRunsInlineAsTheWorkerItIsOn() {
    Parallel.setThreads(3);
    List<String> problems = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger inner = new AtomicInteger();
    Parallel.forRange(6, 1, (chunk, start, end, worker) -> {
      Thread outer = Thread.currentThread();
      Parallel.forRange(4, 1, (c, s, e, w) -> {
        if (Thread.currentThread() != outer || w != worker) {
          problems.add("inner chunk " + c + " on worker " + w + " inside worker " + worker);
        }
        inner.incrementAndGet();
      });
    });
    assertThat(problems).isEmpty();
    assertThat(inner.get()).isEqualTo(24);
  }

  @Test
  void twoCallersAtOnceBothGetTheirWorkDone() throws Exception {
    Parallel.setThreads(2);
    int rounds = 200;
    long[] totals = new long[2];
    List<Thread> callers = new ArrayList<>();
    for (int t = 0; t < 2; t++) {
      int caller = t;
      callers.add(new Thread(() -> {
        for (int r = 0; r < rounds; r++) {
          AtomicInteger items = new AtomicInteger();
          Parallel.forRange(64, 4, (chunk, start, end, worker) -> items.addAndGet(end - start));
          totals[caller] += items.get();
        }
      }));
    }
    callers.forEach(Thread::start);
    for (Thread c : callers) {
      c.join(60_000);
    }
    assertThat(totals).containsExactly(64L * rounds, 64L * rounds);
  }

  /** The pattern the layers use: per-chunk float sums added in chunk order give the same bits with any pool. */
  @Test
  void chunkOrderedReductionIsTheSameWithAnyNumberOfThreads() {
    float[] values = new float[10_000];
    new Rng(3).gaussian(values, 0, 1);
    int grain = Parallel.grainFor(values.length, 32);
    float[] results = new float[4];
    for (int threads = 1; threads <= 4; threads++) {
      Parallel.setThreads(threads);
      float[] partial = new float[Parallel.chunks(values.length, grain)];
      Parallel.forRange(values.length, grain, (chunk, start, end, worker) -> {
        float sum = 0f;
        for (int i = start; i < end; i++) {
          sum += values[i];
        }
        partial[chunk] = sum;
      });
      float total = 0f;
      for (float p : partial) {
        total += p;
      }
      results[threads - 1] = total;
    }
    assertThat(results).containsOnly(results[0]);
  }

  @Test
  void callsAllocateNothingOnTheCaller() {
    var bean = ManagementFactory.getThreadMXBean();
    Assumptions.assumeTrue(bean instanceof com.sun.management.ThreadMXBean);
    var counter = (com.sun.management.ThreadMXBean) bean;
    Parallel.setThreads(2);
    float[] data = new float[4096];
    Parallel.Body body = (chunk, start, end, worker) -> {
      for (int i = start; i < end; i++) {
        data[i] += 1f;
      }
    };
    long thread = Thread.currentThread().threadId();
    for (int round = 0; round < 3; round++) { // the first rounds may load classes and compile
      long before = counter.getThreadAllocatedBytes(thread);
      for (int i = 0; i < 1000; i++) {
        Parallel.forRange(data.length, 256, body);
      }
      long allocated = counter.getThreadAllocatedBytes(thread) - before;
      if (round == 2) {
        assertThat(allocated).as("bytes allocated by 1000 calls").isLessThan(1000);
      }
    }
    assertThat(data[0]).isEqualTo(3000f);
  }

  @Test
  void threadCountIsValidated() {
    assertThatThrownBy(() -> Parallel.setThreads(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least 1").hasMessageContaining("got 0");
    assertThatThrownBy(() -> Parallel.forRange(10, 0, (c, s, e, w) -> {}))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
