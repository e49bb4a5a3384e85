package dev.backprop.io;

import dev.backprop.data.Augmentation;
import dev.backprop.data.BatchLoader;
import dev.backprop.data.MnistSet;
import dev.backprop.layers.BatchNorm2d;
import dev.backprop.layers.Layer;
import dev.backprop.layers.Sequential;
import dev.backprop.loss.NllLoss;
import dev.backprop.models.ArchSpec;
import dev.backprop.models.Zoo;
import dev.backprop.optim.Sgd;
import dev.backprop.tensor.Rng;
import dev.backprop.train.Trainer;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/**
 * Models whose every number matters, for checking that a file format carries a model faithfully: trained for an
 * epoch, then every BatchNorm's running statistics, γ and β moved well away from their initial 0 and 1 (and from
 * the batch statistics), so that a format that dropped, swapped or mis-applied any of them would change the output.
 */
public final class NonTrivialModels {
  /** The layers and options the zoo lacks: no-bias and padded, strided, bare convolution, m3, a2, fc with ReLU. */
  public static final String OTHER_LAYERS = "c8p1nb dd0.1 conv12k3s2 relu bn m3 a2 d0.1 fc16r fc10";
  /** Depthwise convolutions: with and without bias, padded 5x5, bare and strided, in separable blocks. */
  public static final String DEPTHWISE = "c8 dwnb c12k1nb m dwk5p2 c16k1nb dwconvs2 conv10k1 gap";

  private NonTrivialModels() {}

  /**
   * Every zoo model (read from the zoo, so that models added later are covered), OTHER_LAYERS ("custom") and
   * DEPTHWISE ("depthwise"): each
   * layer and option the architecture language has, by name, as JUnit arguments (name, arch).
   */
  public static Stream<Arguments> architectures() {
    return Stream.concat(
        Zoo.MODELS.stream().map(entry -> Arguments.of(entry.name(), entry.arch())),
        Stream.of(Arguments.of("custom", OTHER_LAYERS), Arguments.of("depthwise", DEPTHWISE)));
  }

  public static Sequential build(String arch, MnistSet images, long seed) {
    Sequential model = ArchSpec.build(arch, new Rng(seed));
    Trainer trainer = new Trainer(model, new NllLoss(), Sgd.withMomentum(model.parameters(), 0.02, 0.9), null, null);
    try (BatchLoader loader = new BatchLoader(images,
        BatchLoader.Options.training(50, seed).withAugmentation(Augmentation.NONE))) {
      for (BatchLoader.Batch batch : loader.epoch(0)) {
        trainer.step(batch.images(), batch.labels());
      }
    }
    Rng rng = new Rng(seed + 1);
    for (Layer layer : model.layers()) {
      if (layer instanceof BatchNorm2d norm) {
        for (int c = 0; c < norm.channels(); c++) {
          float std = (float) Math.sqrt(norm.runningVar().data()[c]);
          norm.runningMean().data()[c] += (float) (0.5 * (rng.nextDouble() - 0.5)) * std;
          norm.runningVar().data()[c] *= (float) (0.5 + 1.5 * rng.nextDouble());
          norm.weight().value().data()[c] *= (float) (0.5 + rng.nextDouble());
          norm.bias().value().data()[c] += (float) (0.6 * (rng.nextDouble() - 0.5));
        }
      }
    }
    return model;
  }
}
