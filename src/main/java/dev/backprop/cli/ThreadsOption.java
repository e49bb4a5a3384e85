package dev.backprop.cli;

import dev.backprop.UserError;
import dev.backprop.tensor.Parallel;
import picocli.CommandLine.Option;

/** The --threads option: the size of the compute pool ({@link Parallel}). Results do not depend on it. */
final class ThreadsOption {
  @Option(names = "--threads", paramLabel = "N",
      description = "Compute threads, the main one included (default: available processors). Results are the "
          + "same bit for bit with any number.")
  Integer threads;

  /** Sizes the pool as asked and returns the number of threads. */
  int apply() {
    int count = threads != null ? threads : Runtime.getRuntime().availableProcessors();
    if (count < 1 || count > Parallel.MAX_THREADS) {
      throw new UserError("--threads must be between 1 and " + Parallel.MAX_THREADS + ", got " + count);
    }
    Parallel.setThreads(count);
    return count;
  }
}
