package dev.backprop.models;

import dev.backprop.UserError;
import dev.backprop.layers.Sequential;
import dev.backprop.tensor.Rng;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The models the course write-ups describe, each under 20k parameters, each with its default recipe. */
public final class Zoo {

  /** A named architecture (in the {@link ArchSpec} language) with its recipe and a one-line description. */
  public record Entry(String name, String description, String arch, Recipe recipe) {
    public Sequential build(Rng rng) {
      return ArchSpec.build(arch, rng);
    }
  }

  public static final List<Entry> MODELS = List.of(
      new Entry("ref15k",
          "the reference CNN: 8 convs, no padding, max-pool after three, 1x1 classifier, avg-pool",
          "c8 c16 c16 m d0.05 c16 c16 c16 d0.05 c32 conv10k1 a3",
          Recipe.sgdOneCycle(0.05, 19)),
      new Entry("conv5-gap-fc",
          "five 3x3 pad-1 convs of 4, 8, 16, 24, 32 channels with BN, pool + dropout, GAP, FC 32->10",
          "c4p1 c8p1 m d0.05 c16p1 c24p1 m d0.05 c32p1 gap fc10",
          Recipe.sgdOneCycle(0.05, 19).withTranslate(0.1)),
      new Entry("squeeze-expand",
          "8->32 channels; a 1x1 squeeze after two 3x3 and a max-pool; GAP then FC",
          "c8 c16 m c8k1 c16 c32 c32 gap fc10",
          Recipe.sgdOneCycle(0.05, 19)),
      new Entry("blocks5-1x1",
          "five blocks, BN + 5% dropout after every layer but the last, max-pool in blocks 2 and 4, "
              + "1x1 conv in block 5, average pool then FC",
          "c8p1 d0.05 c16p1 d0.05 c16 d0.05 m c16 d0.05 c16 d0.05 c32 d0.05 m c16k1 d0.05 gap fc10",
          Recipe.sgdOneCycle(0.05, 19)),
      new Entry("tiny8k",
          "7,822 parameters: seven 3x3 convs without bias (BN shifts), one max-pool, 1x1 classifier, GAP",
          "c8nb c10nb c12nb m c12nb c12nb c12nb c16nb conv10k1 gap",
          Recipe.sgdOneCycle(0.1, 15)),
      new Entry("tiny5k",
          "5,224 parameters: a 3x3 conv, then six depthwise-separable blocks (depthwise 3x3, then 1x1), one max-pool, "
              + "1x1 classifier, GAP; no conv biases (BatchNorm shifts)",
          "c10nb dwnb c20k1nb dwnb c20k1nb m dwnb c26k1nb dwnb c26k1nb dwnb c26k1nb dwnb c26k1nb conv10k1 gap",
          Recipe.sgdOneCycle(0.1, 15)),
      new Entry("best20k",
          "ref15k widened to 18,514 parameters, convs without bias",
          "c8nb c16nb c20nb m d0.05 c16nb c16nb c20nb d0.05 c32nb conv10k1 a3",
          Recipe.sgdOneCycle(0.05, 19).withTranslate(0.1).withLabelSmoothing(0.1)));

  private static final Map<String, Entry> BY_NAME =
      MODELS.stream().collect(Collectors.toMap(Entry::name, Function.identity()));

  private Zoo() {}

  /** The model of this name, in any case ("REF15K" is ref15k). */
  public static Entry get(String name) {
    Entry entry = name == null ? null : BY_NAME.get(name.toLowerCase(Locale.ROOT));
    if (entry == null) {
      throw new UserError("unknown model '" + name + "'; the zoo has: " + names());
    }
    return entry;
  }

  public static String names() {
    return MODELS.stream().map(Entry::name).collect(Collectors.joining(", "));
  }
}
