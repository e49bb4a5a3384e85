package dev.backprop.cli;

import dev.backprop.data.DownloadProgress;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

/** MNIST downloads shown as progress bars on stderr (megabytes and speed; a spinner when the size is unknown). */
final class DownloadBars implements DownloadProgress {
  @Override
  public Task start(String name, long bytes) {
    ProgressBar bar = new ProgressBarBuilder()
        .setTaskName(name)
        .setInitialMax(bytes)
        .setUnit("MB", 1_000_000)
        .showSpeed()
        .setUpdateIntervalMillis(200)
        .setConsumer(new ConsoleProgressBarConsumer(System.err))
        .build();
    return new Task() {
      @Override
      public void advance(long n) {
        bar.stepBy(n);
      }

      @Override
      public void close() {
        bar.close();
      }
    };
  }
}
