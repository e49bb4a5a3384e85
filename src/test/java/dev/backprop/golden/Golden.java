package dev.backprop.golden;

import dev.backprop.io.Safetensors;
import dev.backprop.io.SafetensorsFile;
import dev.backprop.tensor.Rng;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.lang.reflect.Constructor;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The PyTorch golden fixtures written by {@code tools/golden/make_golden.py} into
 * {@code src/test/resources/golden/} (format: {@code tools/golden/README.md}), and an llm.c-style comparison that
 * names the tensor, the worst element and the largest difference when it fails.
 */
public final class Golden {
  private static final Pattern CONSTRUCTOR_CALL = Pattern.compile("new (\\w+)\\((.*)\\)");

  private Golden() {}

  /**
   * The engine object a fixture's {@code java} entry names, e.g. {@code new Conv2d(3, 4, 3, 1, 0, true, rng)}:
   * the class in {@code pkg}, the public constructor with that many parameters, the arguments as ints, doubles
   * (with a point), booleans or {@code rng} (any generator: parameters come from the fixture). So a case written
   * in make_golden.py is the whole test case (tinygrad's helper_test_op); nothing on this side names the layers.
   */
  public static <T> T construct(String call, String pkg, Class<T> type) {
    Matcher m = CONSTRUCTOR_CALL.matcher(call == null ? "" : call.trim());
    if (!m.matches()) {
      throw new AssertionError("fixture's java entry is not a constructor call: " + call);
    }
    String[] words = m.group(2).isBlank() ? new String[0] : m.group(2).split(",");
    Object[] args = new Object[words.length];
    for (int i = 0; i < words.length; i++) {
      String w = words[i].trim();
      args[i] = switch (w) {
        case "rng" -> new Rng(1);
        case "true", "false" -> Boolean.parseBoolean(w);
        default -> w.contains(".") ? (Object) Double.parseDouble(w) : (Object) Integer.parseInt(w);
      };
    }
    try {
      Class<?> c = Class.forName(pkg + "." + m.group(1));
      for (Constructor<?> constructor : c.getConstructors()) {
        if (constructor.getParameterCount() == args.length) {
          return type.cast(constructor.newInstance(args));
        }
      }
      throw new AssertionError(call + ": " + c.getName() + " has no public constructor of " + args.length
          + " parameters");
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(call + ": " + e, e);
    }
  }

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
   * The names of all fixtures starting with {@code prefix}, sorted, e.g. {@code list("layer_")} gives
   * {@code layer_avgpool2d_k3_s3_10x10, ...}: a data-driven test runs over every file the generator wrote.
   */
  public static List<String> list(String prefix) {
    URL dir = Golden.class.getResource("/golden");
    if (dir == null) {
      throw new IllegalStateException("no golden/ directory on the test class path");
    }
    try (Stream<Path> files = Files.list(Path.of(dir.toURI()))) {
      List<String> names =
          files
              .map(f -> f.getFileName().toString())
              .filter(f -> f.startsWith(prefix) && f.endsWith(".safetensors"))
              .map(f -> f.substring(0, f.length() - ".safetensors".length()))
              .sorted()
              .toList();
      if (names.isEmpty()) {
        throw new IllegalStateException("no golden/" + prefix + "*.safetensors fixtures");
      }
      return names;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * llm.c's comparison: asserts max|actual − expected| ≤ tolerance · max|expected| over the whole tensor
   * (max|expected| floored at 1e-30, so an all-zero tensor has to be matched exactly) and returns that relative
   * difference. The failure message names the worst element.
   */
  public static double assertRelative(String what, float[] expected, float[] actual, double tolerance) {
    return assertRelative(what, widen(expected), widen(actual), tolerance);
  }

  /** {@link #assertRelative(String, float[], float[], double)} for values computed in double. */
  public static double assertRelative(String what, double[] expected, double[] actual, double tolerance) {
    if (expected.length != actual.length) {
      throw new AssertionError(what + ": expected " + expected.length + " values, got " + actual.length);
    }
    double maxDiff = 0;
    double maxAbs = 0;
    int worst = -1;
    for (int i = 0; i < expected.length; i++) {
      double diff = Math.abs(actual[i] - expected[i]);
      if (!(diff <= maxDiff)) { // also catches NaN
        maxDiff = diff;
        worst = i;
      }
      maxAbs = Math.max(maxAbs, Math.abs(expected[i]));
    }
    double relative = maxDiff / Math.max(1e-30, maxAbs);
    if (!(relative <= tolerance)) {
      throw new AssertionError(
          String.format(
              Locale.ROOT,
              "%s: max|ours - torch| = %.3g at [%d] (ours %.9g, torch %.9g) is %.3g of max|torch| %.3g > %.0e",
              what,
              maxDiff,
              worst,
              actual[worst],
              expected[worst],
              relative,
              maxAbs,
              tolerance));
    }
    return relative;
  }

  /**
   * Asserts {@code |actual - expected| <= atol + rtol * |expected|} elementwise (numpy's allclose) and returns
   * the largest absolute difference. The failure message names the worst element relative to its tolerance.
   */
  public static double assertClose(String what, float[] expected, float[] actual, double rtol, double atol) {
    return assertClose(what, widen(expected), widen(actual), rtol, atol);
  }

  private static double[] widen(float[] values) {
    double[] wide = new double[values.length];
    for (int i = 0; i < values.length; i++) {
      wide[i] = values[i];
    }
    return wide;
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
