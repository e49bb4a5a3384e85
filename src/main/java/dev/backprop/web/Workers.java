package dev.backprop.web;

import dev.backprop.layers.Sequential;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The fixed pool of threads that compute the answers, each with a model of its own: a model keeps its activations
 * between forward and backward, so two requests never share one. The HTTP threads only read, parse and write.
 */
final class Workers implements AutoCloseable {
  private final ExecutorService pool;
  private final BlockingQueue<Predictor> idle;

  /** One worker per model; the models must not be used elsewhere. */
  Workers(List<Sequential> models) {
    AtomicInteger number = new AtomicInteger();
    this.pool = Executors.newFixedThreadPool(models.size(), runnable -> {
      Thread thread = new Thread(runnable, "backprop-worker-" + number.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    });
    this.idle = new ArrayBlockingQueue<>(models.size());
    models.forEach(model -> idle.add(new Predictor(model)));
  }

  /**
   * Runs {@code work} on a worker and returns its result, or answers 503 when it has not finished within
   * {@code limit} (waiting for a worker included). A computation that overruns finishes on its worker, unseen;
   * one still waiting is dropped. The work's runtime exceptions reach the caller as they were thrown (a
   * UserError or an ApiError is the client's answer); an Error is wrapped.
   */
  <T> T compute(Function<Predictor, T> work, Duration limit) throws InterruptedException {
    FutureTask<T> task = new FutureTask<>(() -> {
      Predictor predictor = idle.take(); // never waits: there are as many predictors as threads
      try {
        return work.apply(predictor);
      } finally {
        idle.add(predictor);
      }
    });
    pool.execute(task);
    try {
      return task.get(limit.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException | CancellationException e) {
      task.cancel(false);
      throw new ApiError(503, "the request took longer than the server's limit of " + limit.toMillis() + " ms");
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException cause ? cause : new IllegalStateException(e.getCause());
    }
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
