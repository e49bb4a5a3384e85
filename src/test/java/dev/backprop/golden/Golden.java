package dev.backprop.golden;

import dev.backprop.io.Safetensors;
import dev.backprop.io.SafetensorsFile;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Locale;

/**
 * The PyTorch golden fixtures written by {@code tools/golden/make_golden.py} into
 * {@code src/test/resources/golden/} (format: {@code tools/golden/README.md}), and an llm.c-style comparison that
 * names the tensor, the worst element and the largest difference when it fails.
 */
public final class Golden {
  private Golden() {}

  /** Loads {@code golden/<name>.safetensors} from the test class path, e.g. {@code load("optim_sgd_plain")}. */
  public static SafetensorsFile load(String name) {
    String resource = "/golden/" + name + ".safetensors";
    try (InputStream in = Golden.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalArgumentException(
            "no fixture " + resource + ": run /usr/bin/python3 tools/golden/make_golden.py");
      }
      return Safetensors.read(in.readAllBytes(), resource);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Asserts {@code |actual - expected| <= atol + rtol * |expected|} elementwise (numpy's allclose) and returns
   * the largest absolute difference. The failure message names the worst element relative to its tolerance.
   */
  public static double assertClose(String what, float[] expected, float[] actual, double rtol, double atol) {
    double[] e = new double[expected.length];
    double[] a = new double[actual.length];
    for (int i = 0; i < e.length; i++) {
      e[i] = expected[i];
    }
    for (int i = 0; i < a.length; i++) {
      a[i] = actual[i];
    }
    return assertClose(what, e, a, rtol, atol);
  }

  public static double assertClose(String what, double[] expected, double[] actual, double rtol, double atol) {
    if (expected.length != actual.length) {
      throw new AssertionError(
          what + ": expected " + expected.length + " values, got " + actual.length);
    }
    double maxDiff = 0;
    double worstRatio = -1;
    int worst = -1;
    for (int i = 0; i < expected.length; i++) {
      double diff = Math.abs(actual[i] - expected[i]);
      double allowed = atol + rtol * Math.abs(expected[i]);
      if (Double.isNaN(actual[i]) != Double.isNaN(expected[i])) {
        diff = Double.POSITIVE_INFINITY;
      }
      maxDiff = Math.max(maxDiff, diff);
      double ratio = allowed > 0 ? diff / allowed : (diff > 0 ? Double.POSITIVE_INFINITY : 0);
      if (ratio > worstRatio) {
        worstRatio = ratio;
        worst = i;
      }
    }
    if (worstRatio > 1) {
      throw new AssertionError(
          String.format(
              Locale.ROOT,
              "%s: element %d is %.9g, expected %.9g (|diff| %.3g > atol %.1g + rtol %.1g * |expected|);"
                  + " max |diff| %.3g",
              what,
              worst,
              actual[worst],
              expected[worst],
              Math.abs(actual[worst] - expected[worst]),
              atol,
              rtol,
              maxDiff));
    }
    return maxDiff;
  }
}
