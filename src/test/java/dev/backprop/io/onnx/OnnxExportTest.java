package dev.backprop.io.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxModelMetadata;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.backprop.UserError;
import dev.backprop.data.BatchLoader;
import dev.backprop.data.MnistSet;
import dev.backprop.data.SyntheticMnist;
import dev.backprop.io.NonTrivialModels;
import dev.backprop.io.onnx.proto.Onnx.ModelProto;
import dev.backprop.io.onnx.proto.Onnx.TensorProto;
import dev.backprop.layers.Flatten;
import dev.backprop.layers.Layer;
import dev.backprop.layers.Linear;
import dev.backprop.layers.LogSoftmax;
import dev.backprop.layers.Sequential;
import dev.backprop.models.Zoo;
import dev.backprop.tensor.Rng;
import dev.backprop.tensor.Tensor;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Exported models run in ONNX Runtime (the reference) give what {@link Sequential#infer} gives, on 1,000 MNIST test
 * images (the real ones when {@code BACKPROP_DATA} names them, synthetic blobs otherwise), for every zoo model and
 * a spec with the layers the zoo lacks.
 *
 * <p>Error model: both sides compute in float32 with sums in different orders (ONNX Runtime's MLAS kernels, ours
 * in the canonical order), so each layer's outputs differ by a few ulps of their magnitude times √k for sums of k
 * terms (k ≤ 288 here: relative 2^-24·√288 ≈ 1e-6), and BatchNorm's √(var + ε) is rounded differently. Through
 * up to eight convolutions with activations of order 1-10 this stays orders of magnitude below the bound of 1e-4
 * the issue sets on the log-probabilities. Predictions must then be identical: wherever our top two classes are
 * further apart than twice the largest difference measured, no such difference can swap them, and the test
 * requires the same digit there; top two any closer would be a tie within rounding, which the test fails on,
 * saying how many (none is expected: on real MNIST the closest pair is 8 times further apart).
 */
class OnnxExportTest {
  private static final int IMAGES = 1000;
  private static final double TOLERANCE = 1e-4;

  private static MnistSet images;
  private static Tensor input;
  private static OrtEnvironment environment;

  @BeforeAll
  static void load() {
    images = SyntheticMnist.realOrSynthetic(MnistSet.Split.TEST, IMAGES, 13);
    try (BatchLoader loader = new BatchLoader(images, BatchLoader.Options.evaluation(IMAGES))) {
      input = loader.epoch(0).iterator().next().images().copy();
    }
    environment = OrtEnvironment.getEnvironment();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.backprop.io.NonTrivialModels#architectures")
  void onnxRuntimeGivesTheLogProbabilitiesOfInfer(String name, String arch) throws OrtException {
    Sequential model = NonTrivialModels.build(arch, images, 5);
    float[] ours = model.infer(input).copy().data();
    try (OrtSession session = session(model, name, arch)) {
      float[] theirs = run(session, input.data(), IMAGES);
      assertThat(theirs).hasSameSizeAs(ours);
      double maxDiff = 0;
      for (int i = 0; i < ours.length; i++) {
        maxDiff = Math.max(maxDiff, Math.abs(ours[i] - theirs[i]));
      }
      assertThat(maxDiff).as("max |ours - ONNX Runtime| over %d images", IMAGES).isLessThanOrEqualTo(TOLERANCE);
      int ties = 0;
      for (int s = 0; s < IMAGES; s++) {
        float[] row = Arrays.copyOfRange(ours, 10 * s, 10 * s + 10);
        if (topTwoGap(row) <= 2 * maxDiff) {
          ties++;
        } else {
          assertThat(argmax(Arrays.copyOfRange(theirs, 10 * s, 10 * s + 10))).as("prediction for image %d", s)
              .isEqualTo(argmax(row));
        }
      }
      assertThat(ties).as("images whose top two log-probabilities are within 2·%.2g (ties within rounding)",
          maxDiff).isZero();
    }
  }

  @Test
  void theBatchAxisIsDynamic() throws OrtException {
    Sequential model = NonTrivialModels.build(Zoo.get("ref15k").arch(), images, 7);
    try (OrtSession session = session(model, "ref15k", Zoo.get("ref15k").arch())) {
      TensorInfo in = (TensorInfo) session.getInputInfo().get(OnnxExport.INPUT).getInfo();
      TensorInfo out = (TensorInfo) session.getOutputInfo().get(OnnxExport.OUTPUT).getInfo();
      assertThat(in.getShape()).containsExactly(-1, 1, 28, 28);
      assertThat(in.getDimensionNames()[0]).isEqualTo(OnnxExport.BATCH);
      assertThat(out.getShape()).containsExactly(-1, 10);
      assertThat(out.getDimensionNames()[0]).isEqualTo(OnnxExport.BATCH);
      for (int batch : new int[] {1, 7}) {
        float[] pixels = Arrays.copyOfRange(input.data(), 0, batch * 28 * 28);
        float[] ours = model.infer(Tensor.wrap(pixels, batch, 1, 28, 28)).copy().data();
        float[] theirs = run(session, pixels, batch);
        assertThat(theirs).hasSize(batch * 10);
        for (int i = 0; i < theirs.length; i++) {
          assertThat((double) Math.abs(ours[i] - theirs[i])).as("batch %d, element %d", batch, i)
              .isLessThanOrEqualTo(TOLERANCE);
        }
      }
    }
  }

  @Test
  void theFileNamesTheModelAndOurVersion() throws Exception {
    String arch = Zoo.get("conv5-gap-fc").arch();
    Sequential model = Zoo.get("conv5-gap-fc").build(new Rng(1));
    byte[] bytes = OnnxExport.toProto(model, new OnnxExport.Description("conv5-gap-fc", arch, "9.8.7")).toByteArray();

    ModelProto proto = ModelProto.parseFrom(bytes);
    assertThat(proto.getProducerName()).isEqualTo("backprop");
    assertThat(proto.getProducerVersion()).isEqualTo("9.8.7");
    assertThat(proto.getOpsetImport(0).getVersion()).isEqualTo(17);
    List<String> stateDict = new ArrayList<>(model.namedParameters().keySet());
    model.namedBuffers().keySet().stream().filter(n -> !n.endsWith("num_batches_tracked")).forEach(stateDict::add);
    assertThat(proto.getGraph().getInitializerList()).extracting(TensorProto::getName)
        .containsExactlyInAnyOrderElementsOf(stateDict);

    try (OrtSession session = environment.createSession(bytes, new OrtSession.SessionOptions())) {
      OnnxModelMetadata metadata = session.getMetadata();
      assertThat(metadata.getProducerName()).isEqualTo("backprop");
      assertThat(metadata.getGraphName()).isEqualTo("conv5-gap-fc");
      assertThat(metadata.getCustomMetadata()).containsEntry("model", "conv5-gap-fc").containsEntry("arch", arch)
          .containsEntry("input", OnnxExport.INPUT_DOC).containsEntry("output", OnnxExport.OUTPUT_DOC);
    }
  }

  @Test
  void aLayerWithoutAnOnnxOperatorIsOneLineUserError() {
    Layer square = new Layer() {
      @Override
      public int[] outputShape(int[] inputShape) {
        return inputShape;
      }

      @Override
      public Tensor forward(Tensor input, boolean training) {
        throw new UnsupportedOperationException();
      }

      @Override
      public Tensor backward(Tensor gradOutput) {
        throw new UnsupportedOperationException();
      }
    };
    Sequential model = new Sequential(new Flatten(), new Linear(784, 10, true, new Rng(1)),
        square, new LogSoftmax());
    assertThatThrownBy(() -> OnnxExport.toProto(model, new OnnxExport.Description("m", "custom", "1")))
        .isInstanceOf(UserError.class)
        .hasMessageStartingWith("layer 2 (")
        .hasMessageContaining("cannot be exported to ONNX")
        .hasMessageNotContaining("\n");
  }

  private static OrtSession session(Sequential model, String name, String arch) throws OrtException {
    byte[] bytes = OnnxExport.toProto(model, new OnnxExport.Description(name, arch, "test")).toByteArray();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(1);
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      return environment.createSession(bytes, options);
    }
  }

  private static float[] run(OrtSession session, float[] pixels, int batch) throws OrtException {
    try (OnnxTensor tensor = OnnxTensor.createTensor(environment, FloatBuffer.wrap(pixels),
            new long[] {batch, 1, 28, 28});
        OrtSession.Result result = session.run(Map.of(OnnxExport.INPUT, tensor))) {
      OnnxTensor output = (OnnxTensor) result.get(OnnxExport.OUTPUT).orElseThrow();
      assertThat(output.getInfo().getShape()).containsExactly(batch, 10);
      FloatBuffer values = output.getFloatBuffer();
      float[] out = new float[values.remaining()];
      values.get(out);
      return out;
    }
  }

  private static int argmax(float[] row) {
    int best = 0;
    for (int c = 1; c < row.length; c++) {
      if (row[c] > row[best]) {
        best = c;
      }
    }
    return best;
  }

  private static double topTwoGap(float[] row) {
    float[] sorted = row.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length - 1] - sorted[sorted.length - 2];
  }
}
