package dev.backprop.cli;

import dev.backprop.data.Mnist;
import dev.backprop.data.MnistSource;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The --data option and where MNIST comes from when it is not given. */
final class DataOption {
  @Option(names = "--data", paramLabel = "DIR",
      description = "Directory with the four MNIST IDX files (.gz or raw). Default: $BACKPROP_DATA, then "
          + "~/.cache/backprop/mnist, then a download into that cache.")
  Path data;

  /** Loads MNIST and passes the loader's notices (e.g. "not canonical MNIST") on to the user on {@code err}. */
  Mnist load(PrintWriter err) {
    Mnist mnist = MnistSource.system(new DownloadBars()).load(data);
    for (String notice : mnist.notices()) {
      err.println("backprop: " + notice);
    }
    err.flush();
    return mnist;
  }
}
