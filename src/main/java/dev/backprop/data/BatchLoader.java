package dev.backprop.data;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import dev.backprop.tensor.Tensor;

/**
 * Cuts a {@link MnistSet} into batches of normalised NCHW tensors [B, 1, rows, cols] plus labels, epoch by epoch:
 * optionally shuffled ({@link Shuffle}) and augmented ({@link Augmentation}, training split only), the last batch
 * smaller when the size does not divide (no drop_last).
 *
 * <p>With prefetch on, one worker thread prepares batch k+1 while the caller computes on batch k. What a batch
 * holds depends only on (seed, epoch, batch index), never on timing: with or without prefetch the output is the
 * same. Two buffers alternate, so a {@link Batch} (its tensor and label array) stays valid only until the next
 * {@code next()} or {@link #epoch} call; copy what must outlive that. Close the loader to stop the thread.
 *
 * <pre>{@code
 * try (BatchLoader train = new BatchLoader(mnist.train(), BatchLoader.Options.training(64, seed))) {
 *   for (int epoch = 0; epoch < epochs; epoch++) {
 *     for (Batch batch : train.epoch(epoch)) {
 *       model.forward(batch.images()); ... batch.labels() ...
 *     }
 *   }
 * }
 * }</pre>
 */
public final class BatchLoader implements AutoCloseable {

  /** A batch: {@code images} is [size, 1, rows, cols], {@code labels} has {@code size} entries. */
  public record Batch(int index, Tensor images, int[] labels) {
    public int size() {
      return labels.length;
    }
  }

  /**
   * How to batch: {@code shuffle} reorders each epoch, {@code augmentation} must be {@link Augmentation#NONE} for
   * test data, {@code seed} drives both, {@code prefetch} prepares the next batch on a worker thread.
   */
  public record Options(int batchSize, boolean shuffle, Augmentation augmentation, long seed, boolean prefetch) {
    public Options {
      if (batchSize <= 0) {
        throw new dev.backprop.UserError("batch size must be positive, got " + batchSize);
      }
      Objects.requireNonNull(augmentation);
    }

    /** Shuffled, rotated by up to 7 degrees, prefetched. */
    public static Options training(int batchSize, long seed) {
      return new Options(batchSize, true, Augmentation.DEFAULT, seed, true);
    }

    /** In order, unaugmented, prefetched. */
    public static Options evaluation(int batchSize) {
      return new Options(batchSize, false, Augmentation.NONE, 0, true);
    }

    public Options withAugmentation(Augmentation augmentation) {
      return new Options(batchSize, shuffle, augmentation, seed, prefetch);
    }

    public Options withPrefetch(boolean prefetch) {
      return new Options(batchSize, shuffle, augmentation, seed, prefetch);
    }
  }

  /** Reusable storage of one batch. */
  private static final class Slot {
    final Tensor images;
    final int[] labels;

    Slot(int size, int rows, int cols) {
      images = Tensor.zeros(size, 1, rows, cols);
      labels = new int[size];
    }
  }

  private final MnistSet set;
  private final Options options;
  private final int batchCount;
  private final Slot[] full = new Slot[2];
  private Slot tail; // the last, smaller batch
  private ExecutorService worker;
  private Future<Batch> pending;
  private EpochIterator current;
  private boolean closed;

  public BatchLoader(MnistSet set, Options options) {
    this.set = Objects.requireNonNull(set);
    this.options = Objects.requireNonNull(options);
    if (set.split() != MnistSet.Split.TRAIN && !options.augmentation().isIdentity()) {
      throw new IllegalArgumentException("augmentation is for training data only, not the " + set.split()
          + " split");
    }
    this.batchCount = (set.size() + options.batchSize() - 1) / options.batchSize();
  }

  /** Number of images per epoch. */
  public int size() {
    return set.size();
  }

  public int batchSize() {
    return options.batchSize();
  }

  /** Batches per epoch, the last one possibly smaller. */
  public int batchCount() {
    return batchCount;
  }

  public Options options() {
    return options;
  }

  public MnistSet set() {
    return set;
  }

  /**
   * The batches of epoch {@code epoch}. Starting an epoch ends any earlier epoch's iteration (its iterator then
   * refuses to continue). Batches are valid until the next {@code next()}.
   */
  public synchronized Iterable<Batch> epoch(int epoch) {
    checkOpen();
    settlePending();
    EpochIterator iterator = new EpochIterator(epoch);
    current = iterator;
    if (options.prefetch() && batchCount > 0) {
      pending = worker().submit(() -> prepare(iterator, 0)); // the first batch overlaps whatever comes before
    }
    return () -> {
      if (iterator.started) {
        throw new IllegalStateException("an epoch's batches can be iterated once; call epoch() again");
      }
      iterator.started = true;
      return iterator;
    };
  }

  /** Which sample is at each position of epoch {@code epoch}. */
  public int[] order(int epoch) {
    return options.shuffle() ? Shuffle.permutation(options.seed(), epoch, set.size()) : Shuffle.identity(set.size());
  }

  /** Stops the worker thread, waiting briefly for a batch in preparation. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    current = null;
    if (worker != null) {
      worker.shutdownNow();
      try {
        worker.awaitTermination(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private final class EpochIterator implements Iterator<Batch> {
    final int epoch;
    final int[] order;
    boolean started;
    int next; // index of the batch next() returns

    EpochIterator(int epoch) {
      this.epoch = epoch;
      this.order = BatchLoader.this.order(epoch);
    }

    @Override
    public boolean hasNext() {
      return next < batchCount;
    }

    @Override
    public Batch next() {
      synchronized (BatchLoader.this) {
        checkOpen();
        if (current != this) {
          throw new IllegalStateException("epoch " + epoch + " was superseded by a later epoch() call");
        }
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        Batch batch;
        if (options.prefetch()) {
          batch = pending != null ? await(pending) : prepare(this, next);
          pending = null;
          if (next + 1 < batchCount) {
            int ahead = next + 1;
            pending = worker().submit(() -> prepare(this, ahead));
          }
        } else {
          batch = prepare(this, next);
        }
        next++;
        return batch;
      }
    }
  }

  /** Fills the slot of batch {@code b} of the iterator's epoch. Runs on the worker or the caller, never both. */
  private Batch prepare(EpochIterator it, int b) {
    int start = b * options.batchSize();
    int size = Math.min(options.batchSize(), set.size() - start);
    Slot slot = slot(b, size);
    float[] images = slot.images.data();
    int imageSize = set.imageSize();
    for (int i = 0; i < size; i++) {
      int index = it.order[start + i];
      slot.labels[i] = set.label(index);
      options.augmentation().apply(set, options.seed(), it.epoch, index, images, i * imageSize);
    }
    return new Batch(b, slot.images, slot.labels);
  }

  /** Full batches alternate between two slots; the smaller last batch has its own. */
  private Slot slot(int b, int size) {
    if (size != options.batchSize()) {
      if (tail == null || tail.labels.length != size) {
        tail = new Slot(size, set.rows(), set.cols());
      }
      return tail;
    }
    int which = b & 1;
    if (full[which] == null) {
      full[which] = new Slot(size, set.rows(), set.cols());
    }
    return full[which];
  }

  private ExecutorService worker() {
    if (worker == null) {
      worker = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "backprop-batch-prefetch");
        thread.setDaemon(true);
        return thread;
      });
    }
    return worker;
  }

  /** Waits for a batch still being prepared for an abandoned epoch, so its slot can be reused. */
  private void settlePending() {
    if (pending != null) {
      try {
        pending.get();
      } catch (ExecutionException | CancellationException e) {
        // the abandoned batch's failure does not matter to the new epoch
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      pending = null;
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("batch loader is closed");
    }
  }

  private static Batch await(Future<Batch> future) {
    try {
      return future.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the next batch", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      if (e.getCause() instanceof Error error) {
        throw error;
      }
      throw new IllegalStateException(e.getCause());
    }
  }
}
