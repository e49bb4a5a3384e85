package dev.backprop.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The real MNIST, when {@code BACKPROP_DATA} names a directory holding it (CI sets it); skipped otherwise. */
class RealMnistTest {
  private static Mnist mnist;

  @BeforeAll
  static void load() {
    String dir = System.getenv(MnistSource.DATA_ENV);
    assumeTrue(dir != null && !dir.isBlank() && Files.isDirectory(Path.of(dir)), "BACKPROP_DATA not set");
    mnist = MnistSource.builder().env(Map.of()).mirrors(List.of()).npm(null).build()
        .load(Path.of(dir));
  }

  @Test
  void isCanonicalMnist() {
    assertThat(mnist.canonical()).isTrue();
    assertThat(mnist.notices()).isEmpty();
    assertThat(mnist.train().size()).isEqualTo(60_000);
    assertThat(mnist.test().size()).isEqualTo(10_000);
    assertThat(mnist.train().rows()).isEqualTo(28);
    assertThat(mnist.train().label(0)).isEqualTo(5);
    assertThat(mnist.test().label(0)).isEqualTo(7);
  }

  @Test
  void normalisedTrainingPixelsHaveMeanZeroAndStdOne() {
    byte[] pixels = mnist.train().pixels();
    double sum = 0;
    double sumSquares = 0;
    for (byte p : pixels) {
      double x = Normalization.of(p);
      sum += x;
      sumSquares += x * x;
    }
    double mean = sum / pixels.length;
    double std = Math.sqrt(sumSquares / pixels.length - mean * mean);
    assertThat(mean).isCloseTo(0, within(1e-3));
    assertThat(std).isCloseTo(1, within(1e-3));
  }
}
