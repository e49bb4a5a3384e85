package dev.backprop.cli;

import dev.backprop.bench.Benchmark;
import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * The bench command's progress on stderr, only on an interactive terminal (as {@link EpochProgress}): a bar per
 * repetition, then one line with its images/s. The bar is redrawn from its own thread every 250 ms; a step costs
 * the measured loop one counter update.
 */
final class BenchProgress implements Benchmark.Listener, AutoCloseable {
  private final boolean shown;
  private ProgressBar bar;
  private int batchSize;

  private BenchProgress(boolean shown) {
    this.shown = shown;
  }

  /** Progress that is drawn on a terminal and does nothing otherwise. */
  static BenchProgress start() {
    return new BenchProgress(EpochProgress.interactive());
  }

  @Override
  public void phaseStarted(String phase, int steps, int batchSize) {
    close();
    if (!shown) {
      return;
    }
    bar = new ProgressBarBuilder()
        .setTaskName(phase)
        .setInitialMax((long) steps * batchSize)
        .setStyle(ProgressBarStyle.ASCII)
        .setUnit(" img", 1)
        .showSpeed()
        .setUpdateIntervalMillis(250)
        .setMaxRenderedLength(100)
        .setConsumer(new ConsoleProgressBarConsumer(System.err))
        .clearDisplayOnFinish()
        .build();
    this.batchSize = batchSize;
  }

  @Override
  public void stepDone(int stepsDone) {
    if (bar != null) {
      bar.stepTo((long) stepsDone * batchSize);
    }
  }

  @Override
  public void phaseDone(String phase, double imagesPerSecond) {
    close();
    if (!shown) {
      return;
    }
    System.err.printf(Locale.ROOT, "%-24s %10.1f img/s%n", phase, imagesPerSecond);
    System.err.flush();
  }

  @Override
  public void close() {
    if (bar != null) {
      bar.close();
      bar = null;
    }
  }
}
