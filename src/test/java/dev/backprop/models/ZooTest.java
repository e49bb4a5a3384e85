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
    "tiny5k, 5450, 5500, 15",
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
