package dev.backprop.models;

import dev.backprop.layers.AvgPool2d;
import dev.backprop.layers.Conv2d;
import dev.backprop.layers.DepthwiseConv2d;
import dev.backprop.layers.GlobalAvgPool2d;
import dev.backprop.layers.Layer;
import dev.backprop.layers.Linear;
import dev.backprop.layers.MaxPool2d;
import dev.backprop.layers.Parameter;
import dev.backprop.layers.Sequential;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A torchsummary-style table of a model (layer, output shape, parameters), extended with the receptive field
 * and jump after each layer and its multiply-accumulates per image.
 */
public record ModelSummary(int[] inputShape, List<Row> rows) {

  /**
   * One layer: its torchsummary name ("Conv2d-1"), per-sample output shape, costs, and for a convolution how its
   * products run (the strategy {@link Conv2d#strategyName} names, or the depthwise loops; empty for other layers).
   */
  public record Row(String name, int[] outputShape, long params, int receptiveField, int jump, long macs,
      String strategy) {}

  public static ModelSummary of(Sequential model, int[] inputShape) {
    List<Row> rows = new ArrayList<>();
    int[] shape = inputShape;
    int receptiveField = 1;
    int jump = 1;
    int index = 1;
    for (Layer layer : model.layers()) {
      int[] out = layer.outputShape(shape);
      int kernel = 1;
      int stride = 1;
      long macs = 0;
      String strategy = "";
      switch (layer) {
        case Conv2d conv -> {
          kernel = conv.kernel();
          stride = conv.stride();
          macs = (long) out[0] * out[1] * out[2] * shape[0] * kernel * kernel;
          strategy = conv.strategyName(shape[1], shape[2]);
        }
        case DepthwiseConv2d conv -> {
          kernel = conv.kernel();
          stride = conv.stride();
          macs = (long) out[0] * out[1] * out[2] * kernel * kernel;
          strategy = conv.loopsName();
        }
        case MaxPool2d pool -> {
          kernel = pool.kernel();
          stride = pool.stride();
        }
        case AvgPool2d pool -> {
          kernel = pool.kernel();
          stride = pool.stride();
        }
        case GlobalAvgPool2d pool -> {
          kernel = shape[1];
          stride = shape[1];
        }
        case Linear linear -> macs = (long) linear.inFeatures() * linear.outFeatures();
        default -> {}
      }
      receptiveField += (kernel - 1) * jump;
      jump *= stride;
      long params = layer.parameters().stream().mapToLong(Parameter::size).sum();
      rows.add(new Row(layer.getClass().getSimpleName() + "-" + index++, out, params, receptiveField, jump, macs,
          strategy));
      shape = out;
    }
    return new ModelSummary(inputShape.clone(), List.copyOf(rows));
  }

  public long totalParams() {
    return rows.stream().mapToLong(Row::params).sum();
  }

  /** Bytes of every layer's float32 output for one image, counted twice (forward and backward): a lower bound. */
  public long activationBytes() {
    return 2L * 4 * rows.stream().mapToLong(row -> elements(row.outputShape())).sum();
  }

  public long totalMacs() {
    return rows.stream().mapToLong(Row::macs).sum();
  }

  /** The table as torchsummary prints it, with the extra columns and a MACs line in the footer. */
  public String render() {
    String rule = "-".repeat(104);
    String doubleRule = "=".repeat(104);
    StringBuilder s = new StringBuilder();
    s.append(rule).append('\n');
    s.append(String.format(Locale.ROOT, "%20s  %25s %15s %8s %6s %15s%n",
        "Layer (type)", "Output Shape", "Param #", "RF", "Jump", "MACs"));
    s.append(doubleRule).append('\n');
    for (Row row : rows) {
      s.append(String.format(Locale.ROOT, "%20s  %25s %15s %8d %6d %15s%n",
          row.name(), shapeText(row.outputShape()), grouped(row.params()), row.receptiveField(), row.jump(),
          grouped(row.macs())));
    }
    // torchsummary's footer: float32 sizes of input, of all layer outputs counted twice (forward and
    // backward), and of the parameters, in MB.
    double inputMb = elements(inputShape) * 4.0 / (1024 * 1024);
    double activationsMb = activationBytes() / (1024.0 * 1024);
    double paramsMb = totalParams() * 4.0 / (1024 * 1024);
    s.append(doubleRule).append('\n');
    s.append("Total params: ").append(grouped(totalParams())).append('\n');
    s.append("Trainable params: ").append(grouped(totalParams())).append('\n');
    s.append("Non-trainable params: 0\n");
    s.append("Total MACs per image (forward): ").append(grouped(totalMacs())).append('\n');
    s.append(rule).append('\n');
    s.append(String.format(Locale.ROOT, "Input size (MB): %.2f%n", inputMb));
    s.append(String.format(Locale.ROOT, "Forward/backward pass size (MB): %.2f%n", activationsMb));
    s.append(String.format(Locale.ROOT, "Params size (MB): %.2f%n", paramsMb));
    s.append(String.format(Locale.ROOT, "Estimated Total Size (MB): %.2f%n", inputMb + activationsMb + paramsMb));
    s.append(rule).append('\n');
    return s.toString();
  }

  /** {@link #render()}, then how each convolution runs. */
  public String renderVerbose() {
    StringBuilder s = new StringBuilder(render());
    s.append("Convolutions (how the products run, chosen by shape):\n");
    int width = 12;
    for (Row row : rows) {
      width = row.strategy().isEmpty() ? width : Math.max(width, row.name().length());
    }
    for (Row row : rows) {
      if (!row.strategy().isEmpty()) {
        s.append(String.format(Locale.ROOT, "  %-" + width + "s %s%n", row.name(), row.strategy()));
      }
    }
    return s.toString();
  }

  private static String shapeText(int[] shape) {
    StringBuilder s = new StringBuilder("[-1");
    for (int d : shape) {
      s.append(", ").append(d);
    }
    return s.append(']').toString();
  }

  private static long elements(int[] shape) {
    long n = 1;
    for (int d : shape) {
      n *= d;
    }
    return n;
  }

  private static String grouped(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }
}
