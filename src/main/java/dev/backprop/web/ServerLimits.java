package dev.backprop.web;

import java.time.Duration;

/**
 * What one server accepts and how much it does at once.
 *
 * @param maxBodyBytes the largest request body; a bigger one is answered 413 without being read
 * @param maxImagePixels the largest image (width × height, read from its header) decoded; 400 beyond
 * @param workers requests computed at once, one model each
 * @param queue requests that may wait for a worker; beyond workers + queue the answer is 503 at once
 * @param timeLimit the longest a request may take once admitted; 503 past it
 */
public record ServerLimits(int maxBodyBytes, long maxImagePixels, int workers, int queue, Duration timeLimit) {

  /** 2 MiB bodies, 4 megapixels, a worker per processor, 32 waiting, 10 seconds. */
  public static ServerLimits defaults() {
    return new ServerLimits(2 << 20, 4_000_000, Runtime.getRuntime().availableProcessors(), 32,
        Duration.ofSeconds(10));
  }

  public ServerLimits {
    if (maxBodyBytes < 1 || maxImagePixels < 1 || workers < 1 || queue < 0 || timeLimit.isNegative()
        || timeLimit.isZero()) {
      throw new IllegalArgumentException("limits must be positive: " + maxBodyBytes + ", " + maxImagePixels
          + ", " + workers + ", " + queue + ", " + timeLimit);
    }
  }

  public ServerLimits withWorkers(int count) {
    return new ServerLimits(maxBodyBytes, maxImagePixels, count, queue, timeLimit);
  }
}
