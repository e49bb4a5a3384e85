package dev.backprop.tensor;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs the chunks of a loop on a fixed pool of daemon worker threads plus the calling thread.
 *
 * <pre>
 *   Parallel.forRange(n, grain, body)   items 0..n-1 cut into chunks of {@code grain} items:
 *                                       chunk c = [c·grain, min(n, (c+1)·grain)),  c = 0 .. chunks(n, grain) − 1
 * </pre>
 *
 * The chunk boundaries depend only on {@code n} and {@code grain}, never on the number of threads, and each
 * chunk runs exactly once, on some thread. So a kernel whose chunks write disjoint outputs, and which reduces
 * (sums) per chunk into chunk-private buffers that the caller then adds up in chunk order, gives bit-identical
 * results whatever {@link #threads()} is. Which thread runs which chunk is not fixed: per-thread scratch
 * buffers are indexed by the {@code worker} argument (0 is the caller, then 1 .. threads()−1), never by chunk.
 *
 * <p>One call costs no allocation: the caller publishes the job in fields and wakes the workers, everyone takes
 * chunks from one atomic counter, and the caller returns when every chunk is done. With one thread, one chunk,
 * from inside a chunk (nested), or while another thread's job is running, the chunks run inline on the caller
 * in order (same results, by the above). Layers keep their {@link Body} in a field, so that no lambda is
 * allocated per call either.
 *
 * <p>A chunk that throws stops the hand-out of further chunks; once the running ones have finished, the caller
 * gets a {@link ChunkFailure} naming the chunk and the thread, with the original exception as its cause (an
 * {@link Error}, e.g. OutOfMemoryError or AssertionError, is rethrown as it is).
 */
public final class Parallel {

  /** The work of one chunk: items [start, end) of chunk number {@code chunk}, run by worker {@code worker}. */
  @FunctionalInterface
  public interface Body {
    void run(int chunk, int start, int end, int worker);
  }

  /** A chunk failed; the message names it, the cause is what it threw. */
  public static final class ChunkFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ChunkFailure(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** Pools larger than this are refused (the job word keeps the helper count in 16 bits). */
  public static final int MAX_THREADS = 1024;

  private static final Object LOCK = new Object();
  private static volatile Pool pool;

  private Parallel() {}

  /** The pool size (the caller counts as one): the default is the number of available processors. */
  public static int threads() {
    return pool().size;
  }

  /**
   * Sets the pool size ({@code --threads}): {@code threads − 1} workers plus the caller. When the size changes,
   * the old pool finishes the job it is running and stops; call this between runs, not from inside a chunk.
   * Layers size their per-worker scratch by {@link #threads()} just before each parallel loop.
   */
  public static void setThreads(int threads) {
    if (threads < 1 || threads > MAX_THREADS) {
      throw new IllegalArgumentException(
          "threads must be at least 1 and at most " + MAX_THREADS + ", got " + threads);
    }
    synchronized (LOCK) {
      Pool old = pool;
      if (old != null && old.size == threads) {
        return;
      }
      pool = new Pool(threads);
      if (old != null) {
        old.shutdown();
      }
    }
  }

  /** How many chunks {@link #forRange} cuts n items into with the given grain. */
  public static int chunks(int n, int grain) {
    return n <= 0 ? 0 : (n - 1) / grain + 1;
  }

  /** The smallest grain that cuts n items into at most {@code maxChunks} chunks (at least 1). */
  public static int grainFor(int n, int maxChunks) {
    return Math.max(1, (n + maxChunks - 1) / maxChunks);
  }

  /** Runs {@code body} over the chunks of [0, n) of {@code grain} items each, in parallel; see the class notes. */
  public static void forRange(int n, int grain, Body body) {
    if (grain < 1) {
      throw new IllegalArgumentException("grain must be positive, got " + grain);
    }
    int chunks = chunks(n, grain);
    if (chunks == 0) {
      return;
    }
    Pool p = pool();
    if (p.size == 1 || chunks == 1 || !p.tryRun(n, grain, chunks, body)) {
      inline(n, grain, chunks, body);
    }
  }

  private static Pool pool() {
    Pool p = pool;
    if (p == null) {
      synchronized (LOCK) {
        p = pool;
        if (p == null) {
          p = new Pool(Math.min(MAX_THREADS, Runtime.getRuntime().availableProcessors()));
          pool = p;
        }
      }
    }
    return p;
  }

  /** Runs the chunks in order on this thread, as the worker this thread is (0 unless it is a pool worker). */
  private static void inline(int n, int grain, int chunks, Body body) {
    int worker = Thread.currentThread() instanceof Worker w ? w.index : 0;
    for (int c = 0; c < chunks; c++) {
      int start = c * grain;
      int end = start + Math.min(grain, n - start);
      try {
        body.run(c, start, end, worker);
      } catch (Throwable t) {
        throw rethrown(failure(c, chunks, start, end, t));
      }
    }
  }

  /** What a chunk's throwable becomes for the caller: Errors and nested ChunkFailures as they are. */
  private static Throwable failure(int chunk, int chunks, int start, int end, Throwable cause) {
    if (cause instanceof Error || cause instanceof ChunkFailure) {
      return cause;
    }
    return new ChunkFailure("chunk %d of %d (items %d..%d) failed on thread %s: %s"
        .formatted(chunk, chunks, start, end - 1, Thread.currentThread().getName(), cause), cause);
  }

  private static RuntimeException rethrown(Throwable t) {
    if (t instanceof Error e) {
      throw e;
    }
    return (RuntimeException) t;
  }

  /** A pool thread, knowing its worker index (1 .. size−1). */
  private static final class Worker extends Thread {
    final int index;
    private final Pool pool;

    Worker(Pool pool, int index) {
      super("backprop-worker-" + index);
      this.pool = pool;
      this.index = index;
      setDaemon(true);
    }

    @Override
    public void run() {
      pool.workLoop(index);
    }
  }

  /**
   * The workers and the job they share. The caller writes the job fields, then the volatile {@code job} word
   * (generation and helper count), which publishes them; a worker that reads a new word runs chunks until the
   * counter passes the end, then counts itself out of {@code active}; the caller waits for {@code active} to
   * reach 0, which publishes the workers' writes back to it.
   */
  private static final class Pool {
    /** Busy-wait this many rounds before parking: within a batch the next job follows within microseconds. */
    private static final int SPINS = 1 << 11;

    final int size;
    private final Worker[] workers;
    private final AtomicBoolean busy = new AtomicBoolean();
    private final AtomicInteger nextChunk = new AtomicInteger();
    private final AtomicInteger active = new AtomicInteger();
    private volatile long job; // generation << 16 | helpers
    private volatile boolean shutdown;
    private volatile Throwable failed; // the first failure of the job: a ChunkFailure or an Error

    // The job, written by the caller before the job word.
    private Body body;
    private int n;
    private int grain;
    private int chunks;
    private Thread caller;

    Pool(int size) {
      this.size = size;
      this.workers = new Worker[size - 1];
      for (int i = 0; i < workers.length; i++) {
        workers[i] = new Worker(this, i + 1);
        workers[i].start();
      }
    }

    /** Waits for a running job, then stops the workers; later jobs offered to this pool run inline. */
    void shutdown() {
      while (!busy.compareAndSet(false, true)) {
        Thread.onSpinWait();
      }
      shutdown = true;
      for (Thread t : workers) {
        LockSupport.unpark(t);
      }
    }

    /** Runs the job on the pool; false (nothing run) if the pool is busy with another job or shut down. */
    boolean tryRun(int n, int grain, int chunks, Body body) {
      if (!busy.compareAndSet(false, true)) {
        return false;
      }
      try {
        this.body = body;
        this.n = n;
        this.grain = grain;
        this.chunks = chunks;
        this.caller = Thread.currentThread();
        failed = null;
        nextChunk.set(0);
        int helpers = Math.min(workers.length, chunks - 1);
        active.set(helpers);
        job = ((job >>> 16) + 1) << 16 | helpers;
        for (int i = 0; i < helpers; i++) {
          LockSupport.unpark(workers[i]);
        }
        work(0);
        for (int spins = 0; active.get() != 0; spins++) {
          if (spins < SPINS) {
            Thread.onSpinWait();
          } else {
            LockSupport.park(this);
          }
        }
        this.body = null;
        Throwable t = failed;
        if (t != null) {
          failed = null;
          throw rethrown(t);
        }
        return true;
      } finally {
        busy.set(false);
      }
    }

    private void workLoop(int worker) {
      long seen = 0;
      int spins = 0;
      while (!shutdown) {
        long word = job;
        if (word == seen) {
          if (spins++ < SPINS) {
            Thread.onSpinWait();
          } else {
            LockSupport.park(this);
          }
          continue;
        }
        seen = word;
        spins = 0;
        if (worker > (int) (word & 0xffff)) {
          continue; // not needed for this job
        }
        Thread caller = this.caller;
        work(worker);
        if (active.decrementAndGet() == 0) {
          LockSupport.unpark(caller);
        }
      }
    }

    /** Takes chunks from the shared counter until none are left or one has failed. */
    private void work(int worker) {
      Body body = this.body;
      int n = this.n;
      int grain = this.grain;
      int chunks = this.chunks;
      for (int c = nextChunk.getAndIncrement(); c < chunks && failed == null; c = nextChunk.getAndIncrement()) {
        int start = c * grain;
        int end = start + Math.min(grain, n - start);
        try {
          body.run(c, start, end, worker);
        } catch (Throwable t) {
          Throwable f = failure(c, chunks, start, end, t);
          synchronized (this) {
            if (failed == null) {
              failed = f;
            }
          }
        }
      }
    }
  }
}
