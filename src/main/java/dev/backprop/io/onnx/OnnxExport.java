package dev.backprop.io.onnx;

import com.google.protobuf.ByteString;
import dev.backprop.UserError;
import dev.backprop.io.AtomicFiles;
import dev.backprop.io.onnx.proto.Onnx.AttributeProto;
import dev.backprop.io.onnx.proto.Onnx.GraphProto;
import dev.backprop.io.onnx.proto.Onnx.ModelProto;
import dev.backprop.io.onnx.proto.Onnx.NodeProto;
import dev.backprop.io.onnx.proto.Onnx.OperatorSetIdProto;
import dev.backprop.io.onnx.proto.Onnx.StringStringEntryProto;
import dev.backprop.io.onnx.proto.Onnx.TensorProto;
import dev.backprop.io.onnx.proto.Onnx.TensorShapeProto;
import dev.backprop.io.onnx.proto.Onnx.TypeProto;
import dev.backprop.io.onnx.proto.Onnx.ValueInfoProto;
import dev.backprop.layers.AbstractDropout;
import dev.backprop.layers.AvgPool2d;
import dev.backprop.layers.BatchNorm2d;
import dev.backprop.layers.Conv2d;
import dev.backprop.layers.DepthwiseConv2d;
import dev.backprop.layers.Flatten;
import dev.backprop.layers.GlobalAvgPool2d;
import dev.backprop.layers.Layer;
import dev.backprop.layers.Linear;
import dev.backprop.layers.LogSoftmax;
import dev.backprop.layers.MaxPool2d;
import dev.backprop.layers.Parameter;
import dev.backprop.layers.ReLU;
import dev.backprop.layers.Sequential;
import dev.backprop.layers.Sigmoid;
import dev.backprop.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link Sequential} as an ONNX model for inference, the graph that {@link Sequential#infer} computes:
 *
 * <pre>
 *   input   "input"  float [batch, 1, 28, 28], MNIST normalised as in training: (pixel / 255 − 0.1307) / 0.3081
 *   output  "output" float [batch, 10], log-probabilities of the digits 0..9
 * </pre>
 *
 * with a dynamic first axis named "batch", ONNX opset {@value #OPSET} (IR version {@value #IR_VERSION}). One node
 * per layer, in order, and the parameters as initializers under their state_dict names ("0.weight", ...):
 *
 * <pre>
 *   Conv2d          Conv (kernel_shape, strides, pads; the bias input only when the layer has one)
 *   DepthwiseConv2d Conv as Conv2d, with group = C (weight [C, 1, k, k])
 *   BatchNorm2d     BatchNormalization in inference mode: the running statistics, epsilon 1e-5
 *   ReLU, Sigmoid   Relu, Sigmoid
 *   MaxPool2d       MaxPool, AvgPool2d AveragePool (kernel_shape, strides; no padding, floor mode)
 *   GlobalAvgPool2d GlobalAveragePool
 *   Flatten         Flatten (axis 1)
 *   Linear          Gemm (transB = 1: the weight stays [out, in] as PyTorch stores it)
 *   LogSoftmax      LogSoftmax (axis 1)
 *   Dropout(2d)     nothing: the identity in eval mode
 * </pre>
 *
 * BatchNorm is not folded into the convolutions: in our blocks it follows the ReLU (conv → ReLU → BN), where no
 * fold is exact, so the graph keeps every layer as trained and leaves fusion to the runtime. Any other layer is a
 * {@link UserError} naming it. The protobuf is the ONNX schema (src/main/proto) compiled by protoc at build time.
 */
public final class OnnxExport {
  public static final int OPSET = 17;
  /** The IR version of ONNX 1.12, the release that introduced opset 17. */
  public static final long IR_VERSION = 8;
  public static final String INPUT = "input";
  public static final String OUTPUT = "output";
  /** The name of the dynamic batch axis of the input and the output. */
  public static final String BATCH = "batch";
  public static final String PRODUCER = "backprop";
  /** The per-sample input shape: one MNIST image. */
  static final int[] INPUT_SHAPE = {1, 28, 28};
  /** What the input holds, stated in the file's metadata and the input's doc string. */
  public static final String INPUT_DOC = "MNIST digits, light on dark, 28x28, normalised as in training: "
      + "(pixel / 255 - 0.1307) / 0.3081";
  public static final String OUTPUT_DOC = "log-probabilities of the digits 0..9 (exp gives the probabilities)";

  private OnnxExport() {}

  /**
   * Names the model in the file: {@code name} (the zoo name, or "custom"), its architecture in the --arch language,
   * and the backprop version that wrote it (ModelProto's producer_version).
   */
  public record Description(String name, String arch, String backpropVersion) {}

  /** What {@link #write} wrote. */
  public record Written(int nodes, int initializers, long bytes) {}

  /** Writes the model to {@code file} whole or not at all (a temporary file, then a rename). */
  public static Written write(Path file, Sequential model, Description description) {
    ModelProto proto = toProto(model, description);
    byte[] bytes = proto.toByteArray();
    AtomicFiles.write(file, bytes);
    return new Written(proto.getGraph().getNodeCount(), proto.getGraph().getInitializerCount(), bytes.length);
  }

  /** The ONNX model of {@code model} in eval mode. */
  public static ModelProto toProto(Sequential model, Description description) {
    int[] outputShape = model.outputShape(INPUT_SHAPE);
    Graph graph = new Graph();
    List<Layer> layers = model.layers();
    for (int i = 0; i < layers.size(); i++) {
      graph.add(i, layers.get(i));
    }
    graph.nameLastOutput(OUTPUT);
    GraphProto.Builder g = GraphProto.newBuilder()
        .setName(description.name())
        .setDocString(description.arch())
        .addAllNode(graph.nodes)
        .addAllInitializer(graph.initializers)
        .addInput(valueInfo(INPUT, INPUT_SHAPE, INPUT_DOC))
        .addOutput(valueInfo(OUTPUT, outputShape, OUTPUT_DOC));
    return ModelProto.newBuilder()
        .setIrVersion(IR_VERSION)
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
        .setProducerName(PRODUCER)
        .setProducerVersion(description.backpropVersion())
        .setDomain("dev.backprop")
        .setDocString(description.name() + ": " + description.arch() + ". Input: " + INPUT_DOC + ". Output: "
            + OUTPUT_DOC + ".")
        .addMetadataProps(entry("model", description.name()))
        .addMetadataProps(entry("arch", description.arch()))
        .addMetadataProps(entry("input", INPUT_DOC))
        .addMetadataProps(entry("output", OUTPUT_DOC))
        .setGraph(g)
        .build();
  }

  /** The nodes and initializers of the graph as the layers are added, and the name of the current value. */
  private static final class Graph {
    final List<NodeProto> nodes = new ArrayList<>();
    final List<TensorProto> initializers = new ArrayList<>();
    String current = INPUT;

    void add(int index, Layer layer) {
      switch (layer) {
        case Conv2d conv -> finish(index, convolution(index, conv.weight(), conv.bias(), conv.kernel(),
            conv.stride(), conv.padding()));
        case DepthwiseConv2d conv -> finish(index, convolution(index, conv.weight(), conv.bias(), conv.kernel(),
            conv.stride(), conv.padding()).addAttribute(integer("group", conv.channels())));
        case BatchNorm2d norm -> finish(index, node(index, "BatchNormalization", weight(index, norm.weight()),
            weight(index, norm.bias()), initializer(index + ".running_mean", norm.runningMean()),
            initializer(index + ".running_var", norm.runningVar()))
            .addAttribute(AttributeProto.newBuilder().setName("epsilon").setType(AttributeProto.AttributeType.FLOAT)
                .setF((float) BatchNorm2d.EPS)));
        case ReLU relu -> finish(index, node(index, "Relu"));
        case Sigmoid sigmoid -> finish(index, node(index, "Sigmoid"));
        case MaxPool2d pool -> finish(index, pooling(index, "MaxPool", pool.kernel(), pool.stride()));
        case AvgPool2d pool -> finish(index, pooling(index, "AveragePool", pool.kernel(), pool.stride()));
        case GlobalAvgPool2d pool -> finish(index, node(index, "GlobalAveragePool"));
        case Flatten flatten -> finish(index, node(index, "Flatten").addAttribute(integer("axis", 1)));
        case Linear linear -> {
          NodeProto.Builder node = node(index, "Gemm", weight(index, linear.weight()))
              .addAttribute(integer("transB", 1));
          if (linear.bias() != null) {
            node.addInput(weight(index, linear.bias()));
          }
          finish(index, node);
        }
        case LogSoftmax logSoftmax -> finish(index, node(index, "LogSoftmax").addAttribute(integer("axis", 1)));
        case AbstractDropout dropout -> {
          // the identity in eval mode: no node
        }
        default -> throw new UserError("layer " + index + " (" + layer.getClass().getSimpleName()
            + ") cannot be exported to ONNX; exportable are Conv2d, DepthwiseConv2d, BatchNorm2d, ReLU, Sigmoid, "
            + "MaxPool2d, AvgPool2d, GlobalAvgPool2d, Dropout, Dropout2d, Flatten, Linear and LogSoftmax");
      }
    }

    /** A node of layer {@code index} reading the current value and then {@code inputs}. */
    private NodeProto.Builder node(int index, String op, String... inputs) {
      return NodeProto.newBuilder().setName(index + "." + op).setOpType(op).addInput(current)
          .addAllInput(List.of(inputs));
    }

    /** A Conv node of layer {@code index}: weight [O, C / group, k, k], the bias input only when there is one. */
    private NodeProto.Builder convolution(int index, Parameter weight, Parameter bias, int kernel, int stride,
        int padding) {
      NodeProto.Builder node = node(index, "Conv", weight(index, weight))
          .addAttribute(ints("kernel_shape", kernel, kernel))
          .addAttribute(ints("strides", stride, stride))
          .addAttribute(ints("pads", padding, padding, padding, padding));
      if (bias != null) {
        node.addInput(weight(index, bias));
      }
      return node;
    }

    private NodeProto.Builder pooling(int index, String op, int kernel, int stride) {
      return node(index, op)
          .addAttribute(ints("kernel_shape", kernel, kernel))
          .addAttribute(ints("strides", stride, stride));
    }

    /** Adds the node, its output the new current value. */
    private void finish(int index, NodeProto.Builder node) {
      String output = index + ".output";
      nodes.add(node.addOutput(output).build());
      current = output;
    }

    /** Renames the last node's output, or adds an Identity when no node has been added. */
    void nameLastOutput(String name) {
      if (nodes.isEmpty()) {
        nodes.add(NodeProto.newBuilder().setName("identity").setOpType("Identity").addInput(INPUT).addOutput(name)
            .build());
      } else {
        NodeProto last = nodes.removeLast();
        nodes.add(last.toBuilder().setOutput(0, name).build());
      }
      current = name;
    }

    private String weight(int index, Parameter parameter) {
      return initializer(index + "." + parameter.name(), parameter.value());
    }

    /** Adds {@code value} as a float initializer named {@code name} and returns the name. */
    private String initializer(String name, Tensor value) {
      ByteBuffer bytes = ByteBuffer.allocate(4 * value.size()).order(ByteOrder.LITTLE_ENDIAN);
      bytes.asFloatBuffer().put(value.data(), 0, value.size());
      TensorProto.Builder tensor = TensorProto.newBuilder()
          .setName(name)
          .setDataType(TensorProto.DataType.FLOAT_VALUE)
          .setRawData(ByteString.copyFrom(bytes.array()));
      for (int d : value.shape()) {
        tensor.addDims(d);
      }
      initializers.add(tensor.build());
      return name;
    }
  }

  private static AttributeProto integer(String name, long value) {
    return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
  }

  private static AttributeProto ints(String name, long... values) {
    AttributeProto.Builder attribute = AttributeProto.newBuilder().setName(name)
        .setType(AttributeProto.AttributeType.INTS);
    for (long v : values) {
      attribute.addInts(v);
    }
    return attribute.build();
  }

  /** A float tensor of shape [batch, perSample...]. */
  private static ValueInfoProto valueInfo(String name, int[] perSample, String doc) {
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder()
        .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(BATCH));
    for (int d : perSample) {
      shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
    }
    return ValueInfoProto.newBuilder()
        .setName(name)
        .setDocString(doc)
        .setType(TypeProto.newBuilder().setTensorType(
            TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape)))
        .build();
  }

  private static StringStringEntryProto entry(String key, String value) {
    return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
  }
}
