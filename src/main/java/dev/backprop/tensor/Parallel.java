package dev.backprop.tensor;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
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
 * <p>One call costs no allocation: the caller publishes the job in fields and wakes the workers, everyone (the
 * caller too) takes chunks from one atomic counter, and the caller returns when every chunk is done. With one
 * thread, one chunk, from inside a chunk (nested), or while another thread's job is running, the chunks run
 * inline on the caller in order (same results, by the above). Layers keep their {@link Body} in a field, so
 * that no lambda is allocated per call either.
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

  /**
   * Elements a parallel chunk of light elementwise work should hold: below this a loop is not worth splitting
   * (a hand-off to a worker costs microseconds), above it the chunks balance well over a few threads.
   */
  public static final int ELEMENTS_PER_CHUNK = 1 << 14;

  /** Items per chunk for light work on items of {@code itemSize} elements each, by {@link #ELEMENTS_PER_CHUNK}. */
  public static int grainForItems(int itemSize) {
    return Math.max(1, ELEMENTS_PER_CHUNK / Math.max(1, itemSize));
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
   * The workers and the job they share. The caller closes the claim word (generation + 1, no chunk left), writes
   * the job fields, then opens the claim word (generation + 2, next chunk = 0), which publishes them, and wakes as
   * many workers as could help. Everyone claims chunks by a CAS on the claim word after reading the fields; the
   * CAS succeeds only if the word has not changed since it was read, i.e. only if the fields read were that
   * job's (they change only while the word is closed). So a worker that wakes late never runs a stale job, and
   * the caller waits only for chunks that were claimed, not for workers to wake up (on a busy machine that can
   * take a scheduler slice). The caller returns once {@code done} reaches the chunk count, which also publishes
   * the workers' writes to it.
   */
  private static final class Pool {
    /** Busy-wait this many rounds before parking: within a batch the next job follows within microseconds. */
    private static final int SPINS = 1 << 11;
    /** The chunk index of a closed claim word: past the end of any job. */
    private static final long CLOSED = Integer.MAX_VALUE;

    final int size;
    private final Worker[] workers;
    private final AtomicBoolean busy = new AtomicBoolean();
    private final AtomicLong claim = new AtomicLong(); // generation << 32 | next chunk
    private final AtomicInteger done = new AtomicInteger(); // chunks finished in this generation
    private volatile boolean shutdown;
    private volatile Throwable failed; // the first failure of the job: a ChunkFailure or an Error

    // The job, written by the caller before the claim word.
    private Body body;
    private int n;
    private int grain;
    private int chunks;
    private volatile Thread caller;

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
        // Close the last job first (a new generation with no chunk left), so that a worker that read the old
        // claim word before the fields below change cannot claim with it any more; then open the new job.
        // (Read-modify-write, so that every claim made on the old word happens-before the writes below.)
        long previous = claim.get() >>> 32; // only callers, one at a time, change the generation
        claim.getAndSet((previous + 1) << 32 | CLOSED);
        long generation = previous + 2;
        this.body = body;
        this.n = n;
        this.grain = grain;
        this.chunks = chunks;
        this.caller = Thread.currentThread();
        failed = null;
        done.set(0);
        claim.set(generation << 32);
        for (int i = 0, helpers = Math.min(workers.length, chunks - 1); i < helpers; i++) {
          LockSupport.unpark(workers[i]);
        }
        runChunks(generation, 0);
        for (int spins = 0; done.get() != chunks; spins++) {
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
        long generation = claim.get() >>> 32;
        if (generation == seen) {
          if (spins++ < SPINS) {
            Thread.onSpinWait();
          } else {
            LockSupport.park(this);
          }
          continue;
        }
        seen = generation;
        spins = 0;
        runChunks(generation, worker);
      }
    }

    /** Claims and runs chunks of job {@code generation} until there are none left (or the job is gone). */
    private void runChunks(long generation, int worker) {
      while (true) {
        long c = claim.get();
        if (c >>> 32 != generation) {
          return;
        }
        // Read under generation: if the CAS below succeeds, these are that job's fields.
        Body body = this.body;
        int n = this.n;
        int grain = this.grain;
        int chunks = this.chunks;
        int chunk = (int) c;
        if (chunk >= chunks) {
          return;
        }
        if (!claim.compareAndSet(c, c + 1)) {
          continue;
        }
        if (failed == null) {
          int start = chunk * grain;
          int end = start + Math.min(grain, n - start);
          try {
            body.run(chunk, start, end, worker);
          } catch (Throwable t) {
            Throwable f = failure(chunk, chunks, start, end, t);
            synchronized (this) {
              if (failed == null) {
                failed = f;
              }
            }
          }
        }
        if (done.incrementAndGet() == chunks && worker != 0) {
          LockSupport.unpark(caller);
        }
      }
    }
  }
}
