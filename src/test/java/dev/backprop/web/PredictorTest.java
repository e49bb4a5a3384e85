package dev.backprop.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.backprop.data.DigitImages;
import dev.backprop.layers.Sequential;
import dev.backprop.reference.Check;
import dev.backprop.reference.DTensor;
import dev.backprop.reference.GradCheck;
import dev.backprop.reference.RefLayer;
import dev.backprop.reference.Reference;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PredictorTest {

  private static Sequential model;

  @BeforeAll
  static void loadModel() {
    model = Fixture.model();
  }

  @Test
  void detailGivesPredictsBitsAndEveryConvolutionsMaps() {
    float[] input = Fixture.input(Fixture.seven());
    Predictor.Prediction detailed = new Predictor(model).predict(input, true);
    Predictor.Prediction plain = new Predictor(Fixture.model()).predict(input, false);

    assertThat(detailed.digit()).isEqualTo(7).isEqualTo(plain.digit());
    assertThat(detailed.probabilities()).containsExactly(plain.probabilities());
    assertThat(plain.featureMaps()).isNull();
    // ref15k: seven cN blocks (shown after their ReLU), then the bare 1×1 classifier convolution
    assertThat(detailed.featureMaps()).extracting(Predictor.FeatureMap::layer).containsExactly(
        "Conv2d-1 → ReLU-2", "Conv2d-4 → ReLU-5", "Conv2d-7 → ReLU-8", "Conv2d-12 → ReLU-13",
        "Conv2d-15 → ReLU-16", "Conv2d-18 → ReLU-19", "Conv2d-22 → ReLU-23", "Conv2d-25");
    Predictor.FeatureMap first = detailed.featureMaps().getFirst();
    assertThat(new int[] {first.channels(), first.height(), first.width()}).containsExactly(8, 26, 26);
    assertThat(first.values()).hasSize(8 * 26 * 26);
    assertThat(detailed.featureMaps().getLast().channels()).isEqualTo(10);
  }

  /**
   * The saliency is ∂ log p(digit) / ∂ pixel from our float32 backward pass. The model's double-precision twin
   * (dev.backprop.reference, the same weights) gives the derivative two independent ways: its own backward, which
   * the saliency must match within the engine's float32 error (Check.ENGINE_TOLERANCE · max(1, max|ref|)), and
   * central finite differences of its log p(digit), pixel by pixel (h = 1e-6: truncation and rounding error near
   * 1e-10, GradCheck's model), on the 30 most salient pixels and 30 others drawn at random.
   *
   * <p>The input is a plus sign, which the model reads as a 4 with p ≈ 0.8: a confident answer's gradient scales
   * with 1 − p and sinks towards float32's rounding. Faint noise (0 to 2 % of full scale) is added because on a
   * uniform background a max pool sees equal values, where log p has no derivative (a finite difference's +h and
   * −h pick different winners). A finite difference whose ±h crossed a ReLU's or a max pool's switch would still
   * differ; the input is fixed and the engine's bits do not depend on the machine, so this one crosses none
   * anywhere.
   */
  @Test
  void saliencyIsTheFiniteDifferenceOfTheModelsLogProbability() {
    float[] input = Fixture.input(Fixture.plus());
    Random noise = new Random(5);
    for (int i = 0; i < input.length; i++) {
      input[i] = Math.min(1, input[i] + 0.02f * noise.nextFloat());
    }
    Predictor.Prediction detailed = new Predictor(model).predict(input, true);
    int digit = detailed.digit();
    assertThat(detailed.probabilities()[digit]).as("an uncertain answer, whose log p has a sizeable gradient")
        .isLessThan(0.99);
    float[] saliency = detailed.saliency();
    RefLayer twin = Reference.of(model, false);
    double[] normalized = new double[input.length];
    for (int i = 0; i < input.length; i++) {
      normalized[i] = (input[i] - DigitImages.MEAN) / DigitImages.STD; // the float32 input the engine saw
    }
    DTensor x = new DTensor(normalized, new int[] {1, 1, 28, 28});
    DTensor oneHot = DTensor.zeros(1, 10);
    oneHot.data()[digit] = 1;
    double[] reference = twin.backward(x, oneHot).input().data().clone();
    for (int i = 0; i < reference.length; i++) {
      reference[i] /= DigitImages.STD; // d/dpixel = d/dx · dx/dpixel
    }

    double scale = Math.max(1, Arrays.stream(reference).map(Math::abs).max().orElseThrow());
    for (int i = 0; i < reference.length; i++) {
      assertThat((double) saliency[i]).as("pixel %d", i)
          .isCloseTo(reference[i], within(Check.ENGINE_TOLERANCE * scale));
    }

    Random random = new Random(13);
    int[] pixels = IntStream.concat(
        IntStream.range(0, reference.length).boxed()
            .sorted(Comparator.comparingDouble(i -> -Math.abs(reference[i]))).mapToInt(i -> i).limit(30),
        random.ints(30, 0, reference.length)).toArray();
    for (int pixel : pixels) {
      double kept = x.data()[pixel];
      x.data()[pixel] = kept + GradCheck.H;
      double above = twin.forward(x).data()[digit];
      x.data()[pixel] = kept - GradCheck.H;
      double below = twin.forward(x).data()[digit];
      x.data()[pixel] = kept;
      double finiteDifference = (above - below) / (2 * GradCheck.H) / DigitImages.STD;
      assertThat(finiteDifference).as("pixel %d", pixel).isCloseTo(reference[pixel],
          within(GradCheck.TOLERANCE * Math.max(1, Math.abs(reference[pixel]))));
      assertThat((double) saliency[pixel]).as("pixel %d", pixel).isCloseTo(finiteDifference,
          within(Check.ENGINE_TOLERANCE * scale
              + GradCheck.TOLERANCE * Math.max(1, Math.abs(finiteDifference))));
    }
    assertThat(scale).as("the largest |∂ log p / ∂ pixel|").isGreaterThan(0.1);
  }
}
