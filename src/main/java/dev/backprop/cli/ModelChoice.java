package dev.backprop.cli;

import dev.backprop.models.ArchSpec;
import dev.backprop.models.Zoo;
import dev.backprop.layers.Sequential;
import dev.backprop.tensor.Rng;
import picocli.CommandLine.Option;

/** The --model / --arch pair shared by the commands that build a model. */
final class ModelChoice {
  @Option(names = "--model", paramLabel = "NAME", defaultValue = "ref15k",
      description = "Model from the zoo: ${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE}.",
      completionCandidates = ZooNames.class)
  String model;

  @Option(names = "--arch", paramLabel = "SPEC",
      description = "Architecture as one line, e.g. \"c8 c16 m c16 gap fc10\" (overrides the zoo model's "
          + "layers, keeps its recipe). Tokens: cN (conv3x3-ReLU-BN; suffixes kK pP sS nb), convN (bare "
          + "conv), dw (depthwise conv3x3-ReLU-BN of the current channels; suffixes kK pP sS nb), dwconv (bare "
          + "depthwise conv), relu, bn, m (max-pool 2), aK (avg-pool K), gap, dP (dropout), ddP (dropout2d), fcN.")
  String arch;

  Zoo.Entry entry() {
    return Zoo.get(model);
  }

  /** The architecture to build: --arch when given, else the zoo model's. */
  String architecture() {
    return arch != null ? arch : entry().arch();
  }

  /** Name for run directories and reports: the zoo name, or "custom" for --arch. */
  String displayName() {
    return arch != null ? "custom" : entry().name();
  }

  Sequential build(Rng rng) {
    return ArchSpec.build(architecture(), rng);
  }

  /** Lists the zoo for picocli's help text. */
  static final class ZooNames implements Iterable<String> {
    @Override
    public java.util.Iterator<String> iterator() {
      return Zoo.MODELS.stream().map(Zoo.Entry::name).iterator();
    }
  }
}
