package dev.backprop.models;

import dev.backprop.UserError;
import dev.backprop.layers.AvgPool2d;
import dev.backprop.layers.BatchNorm2d;
import dev.backprop.layers.Conv2d;
import dev.backprop.layers.DepthwiseConv2d;
import dev.backprop.layers.Dropout;
import dev.backprop.layers.Dropout2d;
import dev.backprop.layers.Flatten;
import dev.backprop.layers.GlobalAvgPool2d;
import dev.backprop.layers.Layer;
import dev.backprop.layers.Linear;
import dev.backprop.layers.LogSoftmax;
import dev.backprop.layers.MaxPool2d;
import dev.backprop.layers.ReLU;
import dev.backprop.layers.Sequential;
import dev.backprop.tensor.Rng;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one-line architecture language of {@code --arch}. Tokens, separated by spaces, read left to right:
 *
 * <pre>
 *   c16        3x3 convolution to 16 channels, then ReLU, then BatchNorm (the usual block)
 *   c16k1p0s1  the same block with kernel 1, padding 0, stride 1 (any of k/p/s, any order; defaults k3 p0 s1)
 *   conv10k1   a bare convolution (no ReLU, no BatchNorm), e.g. the 1x1 classifier
 *   dw         depthwise 3x3 convolution of the current channels (one kernel per channel, groups = C), then ReLU,
 *              then BatchNorm; the same k/p/s and nb suffixes (dwp1, dwnb, dwk5p2s2); "dwconv" is the bare one.
 *              A depthwise-separable block: dwnb c16k1nb
 *   relu  bn   a ReLU, a BatchNorm over the current channels
 *   m          2x2 max-pool, stride 2 ("m3" for 3x3 stride 3)
 *   a3         average pool 3x3, stride 3
 *   gap        global average pooling
 *   d0.05      dropout (elementwise); dd0.1 dropout2d (whole channels)
 *   fc10       fully connected to 10 features (flattens first if needed); "fc10r" adds a ReLU
 * </pre>
 *
 * Convolutions have a bias unless the token ends in "nb" (c16nb, dwnb). The model always ends with a flatten when the
 * last layer is spatial and then a log-softmax, so it pairs with the NLL loss. Input is 1x28x28.
 */
public final class ArchSpec {
  private static final Pattern CONV = Pattern.compile("(c|conv)(\\d+)((?:[kps]\\d+)*)(nb)?");
  private static final Pattern DEPTHWISE = Pattern.compile("(dw|dwconv)((?:[kps]\\d+)*)(nb)?");
  private static final Pattern CONV_OPTION = Pattern.compile("([kps])(\\d+)");
  private static final Pattern POOL = Pattern.compile("([ma])(\\d*)");
  private static final Pattern DROPOUT = Pattern.compile("(dd|d)(0?\\.\\d+|0|1\\.0*)");
  private static final Pattern FULLY_CONNECTED = Pattern.compile("fc(\\d+)(r)?");

  /** Sizes above this are typos, and would overflow the shape arithmetic. */
  private static final int LARGEST_SIZE = 100_000;
  /** Weights of one layer above this are typos too: 50 million floats are 200 MB. */
  private static final long LARGEST_LAYER = 50_000_000;
  /**
   * Values a layer may output per image: 2^21 floats are 8 MB an image, and a batch of 1000 (what eval takes) still
   * fits one tensor.
   */
  private static final long LARGEST_FEATURE_MAPS = 1 << 21;

  private ArchSpec() {}

  /** Builds the model described by {@code spec}, drawing initial weights from {@code rng}. */
  public static Sequential build(String spec, Rng rng) {
    List<Layer> layers = new ArrayList<>();
    int[] shape = {1, 28, 28};
    String[] tokens = spec.trim().split("\\s+");
    if (spec.isBlank()) {
      throw new UserError("empty architecture spec");
    }
    for (String token : tokens) {
      List<Layer> added = layersFor(token, shape, rng);
      for (Layer layer : added) {
        shape = checkedOutputShape(layer, shape, token);
        layers.add(layer);
      }
    }
    if (shape.length == 3) {
      if (shape[1] != 1 || shape[2] != 1) {
        throw new UserError("architecture ends with " + shape[1] + "x" + shape[2]
            + " feature maps; end it with 'gap', a pooling layer or 'fc10'");
      }
      layers.add(new Flatten());
      shape = new int[] {shape[0]};
    }
    if (shape[0] != 10) {
      throw new UserError("architecture ends with " + shape[0] + " outputs; MNIST needs 10");
    }
    layers.add(new LogSoftmax());
    return new Sequential(layers);
  }

  private static List<Layer> layersFor(String token, int[] shape, Rng rng) {
    Matcher m;
    if ((m = CONV.matcher(token)).matches()) {
      requireSpatial(shape, token);
      int out = positive(m.group(2), token);
      Window window = Window.of(m.group(3), token);
      requireWeights((long) shape[0] * out * window.kernel() * window.kernel(), token);
      Conv2d conv = new Conv2d(shape[0], out, window.kernel(), window.stride(), window.padding(), m.group(4) == null,
          rng);
      return m.group(1).equals("conv") ? List.of(conv) : List.of(conv, new ReLU(), new BatchNorm2d(out));
    }
    if ((m = DEPTHWISE.matcher(token)).matches()) {
      requireSpatial(shape, token);
      Window window = Window.of(m.group(2), token);
      requireWeights((long) shape[0] * window.kernel() * window.kernel(), token);
      DepthwiseConv2d conv = new DepthwiseConv2d(shape[0], window.kernel(), window.stride(), window.padding(),
          m.group(3) == null, rng);
      return m.group(1).equals("dwconv") ? List.of(conv) : List.of(conv, new ReLU(), new BatchNorm2d(shape[0]));
    }
    if (token.equals("relu")) {
      return List.of(new ReLU());
    }
    if (token.equals("bn")) {
      requireSpatial(shape, token);
      return List.of(new BatchNorm2d(shape[0]));
    }
    if (token.equals("gap")) {
      requireSpatial(shape, token);
      return List.of(new GlobalAvgPool2d());
    }
    if ((m = POOL.matcher(token)).matches()) {
      requireSpatial(shape, token);
      int size = m.group(2).isEmpty() ? (m.group(1).equals("m") ? 2 : 3) : positive(m.group(2), token);
      return List.of(m.group(1).equals("m") ? new MaxPool2d(size, size) : new AvgPool2d(size, size));
    }
    if ((m = DROPOUT.matcher(token)).matches()) {
      double p = Double.parseDouble(m.group(2));
      if (p >= 1) {
        throw new UserError("dropout probability must be below 1 in '" + token + "'");
      }
      if (m.group(1).equals("dd")) {
        requireSpatial(shape, token);
        return List.of(new Dropout2d(p, rng));
      }
      return List.of(new Dropout(p, rng));
    }
    if ((m = FULLY_CONNECTED.matcher(token)).matches()) {
      List<Layer> layers = new ArrayList<>();
      int in = shape[0];
      if (shape.length == 3) {
        layers.add(new Flatten());
        in = shape[0] * shape[1] * shape[2];
      }
      int out = positive(m.group(1), token);
      requireWeights((long) in * out, token);
      layers.add(new Linear(in, out, true, rng));
      if (m.group(2) != null) {
        layers.add(new ReLU());
      }
      return layers;
    }
    throw new UserError("unknown architecture token '" + token
        + "' (known: cN, convN, dw, dwconv, relu, bn, m, aN, gap, dP, ddP, fcN; see backprop train --help)");
  }

  /** A convolution's k, p and s suffixes (defaults k3 p0 s1). */
  private record Window(int kernel, int padding, int stride) {
    static Window of(String suffixes, String token) {
      int kernel = 3;
      int padding = 0;
      int stride = 1;
      Matcher option = CONV_OPTION.matcher(suffixes);
      while (option.find()) {
        int value = number(option.group(2), token);
        switch (option.group(1)) {
          case "k" -> kernel = value;
          case "p" -> padding = value;
          default -> stride = value;
        }
      }
      if (kernel < 1 || stride < 1) {
        throw new UserError("kernel and stride must be >= 1 in '" + token + "'");
      }
      return new Window(kernel, padding, stride);
    }
  }

  private static void requireWeights(long weights, String token) {
    if (weights > LARGEST_LAYER) {
      throw new UserError(String.format(Locale.ROOT, "'%s' would have %,d weights; a layer may have at most %,d",
          token, weights, LARGEST_LAYER));
    }
  }

  private static int[] checkedOutputShape(Layer layer, int[] shape, String token) {
    int[] out;
    try {
      out = layer.outputShape(shape);
    } catch (IllegalArgumentException e) {
      throw new UserError("'" + token + "' shrinks the feature maps to nothing (input " + describe(shape) + ")");
    }
    long values = 1;
    for (int d : out) {
      if (d < 1) {
        throw new UserError("'" + token + "' shrinks the feature maps to nothing (input " + describe(shape) + ")");
      }
      values *= d;
    }
    if (values > LARGEST_FEATURE_MAPS) {
      throw new UserError(String.format(Locale.ROOT, "'%s' makes feature maps of %s = %,d values per image; a layer "
          + "may output at most %,d", token, describe(out), values, LARGEST_FEATURE_MAPS));
    }
    return out;
  }

  private static void requireSpatial(int[] shape, String token) {
    if (shape.length != 3) {
      throw new UserError("'" + token + "' needs feature maps but comes after a fully connected layer");
    }
  }

  private static int positive(String digits, String token) {
    int value = number(digits, token);
    if (value < 1) {
      throw new UserError("size must be >= 1 in '" + token + "'");
    }
    return value;
  }

  private static int number(String digits, String token) {
    if (digits.length() > 6 || Integer.parseInt(digits) > LARGEST_SIZE) {
      throw new UserError("size out of range in '" + token + "' (at most " + LARGEST_SIZE + ")");
    }
    return Integer.parseInt(digits);
  }

  static String describe(int[] shape) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < shape.length; i++) {
      s.append(i == 0 ? "" : "x").append(shape[i]);
    }
    return s.toString();
  }
}
