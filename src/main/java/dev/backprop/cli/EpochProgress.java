package dev.backprop.cli;

import dev.backprop.train.TrainingRun;
import java.io.Console;
import java.lang.reflect.Method;
import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * The per-epoch progress bar on stderr (images, images/s, ETA, running loss and accuracy). Shown only on an
 * interactive terminal: in logs and CI the per-epoch lines say enough, and a redrawn bar would be noise.
 */
final class EpochProgress implements TrainingRun.EpochListener {
  private final ProgressBar bar;

  private EpochProgress(ProgressBar bar) {
    this.bar = bar;
  }

  static EpochProgress start(String task, int images) {
    if (!interactive()) {
      return new EpochProgress(null);
    }
    return new EpochProgress(new ProgressBarBuilder()
        .setTaskName(task)
        .setInitialMax(images)
        .setStyle(ProgressBarStyle.ASCII)
        .setUnit(" img", 1)
        .showSpeed()
        .setUpdateIntervalMillis(250)
        .setMaxRenderedLength(110)
        .setConsumer(new ConsoleProgressBarConsumer(System.err))
        .clearDisplayOnFinish()
        .build());
  }

  @Override
  public void onBatch(int imagesDone, double meanLoss, double accuracyPercent) {
    if (bar != null) {
      bar.stepTo(imagesDone);
      bar.setExtraMessage(String.format(Locale.ROOT, "loss %.4f acc %.2f%%", meanLoss, accuracyPercent));
    }
  }

  @Override
  public void close() {
    if (bar != null) {
      bar.close();
    }
  }

  /** A console that is a terminal; Console.isTerminal() exists from JDK 22, before that a console means one. */
  static boolean interactive() {
    Console console = System.console();
    if (console == null) {
      return false;
    }
    try {
      Method isTerminal = Console.class.getMethod("isTerminal");
      return (Boolean) isTerminal.invoke(console);
    } catch (ReflectiveOperationException olderJdk) {
      return true;
    }
  }
}
