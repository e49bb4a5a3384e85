package dev.backprop.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.backprop.UserError;
import dev.backprop.layers.Sequential;
import dev.backprop.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ZooTest {

  /** Every zoo model: its parameter count, the budget it was designed under and the most epochs it may train. */
  @ParameterizedTest(name = "{0} has {1} parameters")
  @CsvSource({
    "ref15k, 15738, 19999, 19",
    "conv5-gap-fc, 12426, 19999, 19",
    "squeeze-expand, 16994, 19999, 19",
    "blocks5-1x1, 13786, 19999, 19",
    "tiny8k, 7822, 7999, 15",
    "tiny5k, 5224, 5500, 15",
    "best20k, 18514, 19999, 19",
  })
  void parameterCounts(String name, long expected, long budget, int maxEpochs) {
    Sequential model = Zoo.get(name).build(new Rng(1));
    assertThat(ModelSummary.of(model, new int[] {1, 28, 28}).totalParams()).isEqualTo(expected);
    assertThat(expected).isLessThanOrEqualTo(budget);
    assertThat(Zoo.get(name).recipe().epochs()).isLessThanOrEqualTo(maxEpochs);
    Zoo.get(name).recipe().validate();
  }

  @Test
  void everyZooModelHasItsParameterCountAsserted() throws Exception {
    CsvSource counts = getClass().getDeclaredMethod("parameterCounts", String.class, long.class, long.class,
        int.class).getAnnotation(CsvSource.class);
    assertThat(java.util.Arrays.stream(counts.value()).map(row -> row.split(",")[0]).toList())
        .containsExactlyElementsOf(Zoo.MODELS.stream().map(Zoo.Entry::name).toList());
  }

  @Test
  void ref15kSummaryMatchesTheCourseTable() {
    ModelSummary summary = ModelSummary.of(Zoo.get("ref15k").build(new Rng(1)), new int[] {1, 28, 28});
    assertThat(summary.totalMacs()).isEqualTo(2_228_832);
    ModelSummary.Row last = summary.rows().get(summary.rows().size() - 1);
    assertThat(last.outputShape()).containsExactly(10);
    // six 3x3 convs at jump 1 or 2 around a 2x2 pool give the 1x1 classifier a 24x24 window; the final
    // 3x3 average pool at jump 2 widens it to the whole 28x28 image
    ModelSummary.Row classifier = summary.rows().get(24);
    assertThat(classifier.name()).isEqualTo("Conv2d-25");
    assertThat(classifier.receptiveField()).isEqualTo(24);
    assertThat(summary.rows().get(25).receptiveField()).isEqualTo(28);
    assertThat(summary.rows().get(25).jump()).isEqualTo(6);
    assertThat(summary.render())
        .contains("Total params: 15,738")
        .contains("Trainable params: 15,738")
        .contains("Non-trainable params: 0")
        .contains("[-1, 8, 26, 26]");
  }

  @Test
  void stateDictNamesFollowPyTorchSequential() {
    Sequential model = Zoo.get("ref15k").build(new Rng(1));
    assertThat(model.namedParameters().keySet()).startsWith("0.weight", "0.bias", "2.weight", "2.bias", "3.weight");
    assertThat(model.namedBuffers().keySet())
        .startsWith("2.running_mean", "2.running_var", "2.num_batches_tracked");
    assertThat(model.namedParameters()).containsKey("24.weight");
  }

  /**
   * dw is a depthwise 3x3 convolution of the current channels, then ReLU and BatchNorm (as cN); dwconv the bare
   * one; both take cN's suffixes. Parameters: C·k·k weights (+ C biases); MACs: C·OH·OW·k·k.
   */
  @Test
  void depthwiseTokens() {
    Sequential model = ArchSpec.build("c8 dw dwp1nb c16k1nb dwconvk5s2nb gap conv10k1", new Rng(1));
    assertThat(model.layers().stream().map(l -> l.getClass().getSimpleName()).toList()).startsWith(
        "Conv2d", "ReLU", "BatchNorm2d", "DepthwiseConv2d", "ReLU", "BatchNorm2d", "DepthwiseConv2d", "ReLU",
        "BatchNorm2d", "Conv2d", "ReLU", "BatchNorm2d", "DepthwiseConv2d", "GlobalAvgPool2d", "Conv2d");
    assertThat(model.layers().get(3)).hasToString("Conv2d(8, 8, kernel_size=(3, 3), stride=(1, 1), groups=8)");
    assertThat(model.layers().get(6))
        .hasToString("Conv2d(8, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), groups=8, bias=False)");
    assertThat(model.layers().get(12))
        .hasToString("Conv2d(16, 16, kernel_size=(5, 5), stride=(2, 2), groups=16, bias=False)");
    ModelSummary summary = ModelSummary.of(model, new int[] {1, 28, 28});
    ModelSummary.Row depthwise = summary.rows().get(3);
    assertThat(depthwise.name()).isEqualTo("DepthwiseConv2d-4");
    assertThat(depthwise.outputShape()).containsExactly(8, 24, 24);
    assertThat(depthwise.params()).isEqualTo(8 * 9 + 8);
    assertThat(depthwise.macs()).isEqualTo(8L * 24 * 24 * 9);
    assertThat(depthwise.receptiveField()).isEqualTo(5);
    assertThat(depthwise.strategy()).isEqualTo("depthwise (plane loops)");
    ModelSummary.Row strided = summary.rows().get(12);
    assertThat(strided.outputShape()).containsExactly(16, 10, 10);
    assertThat(strided.params()).isEqualTo(16 * 25);
    assertThat(strided.macs()).isEqualTo(16L * 10 * 10 * 25);
    assertThat(strided.jump()).isEqualTo(2);
    assertThat(strided.strategy()).isEqualTo("depthwise (reference loops)");
    assertThat(model.namedParameters().keySet()).contains("3.weight", "3.bias", "6.weight", "12.weight")
        .doesNotContain("6.bias", "12.bias");
    assertThatThrownBy(() -> ArchSpec.build("dwk0 gap fc10", new Rng(1)))
        .isInstanceOf(UserError.class).hasMessageContaining("kernel and stride");
  }

  @Test
  void specErrorsAreUserErrors() {
    assertThatThrownBy(() -> ArchSpec.build("c8 zz9", new Rng(1)))
        .isInstanceOf(UserError.class).hasMessageContaining("'zz9'");
    assertThatThrownBy(() -> ArchSpec.build("c8 c16", new Rng(1)))
        .isInstanceOf(UserError.class).hasMessageContaining("feature maps");
    assertThatThrownBy(() -> ArchSpec.build("fc10 c8", new Rng(1)))
        .isInstanceOf(UserError.class).hasMessageContaining("after a fully connected");
    assertThatThrownBy(() -> ArchSpec.build("c8k30 gap fc10", new Rng(1)))
        .isInstanceOf(UserError.class).hasMessageContaining("shrinks");
    assertThatThrownBy(() -> ArchSpec.build("c99999999999 gap fc10", new Rng(1)))
        .isInstanceOf(UserError.class);
  }
}
