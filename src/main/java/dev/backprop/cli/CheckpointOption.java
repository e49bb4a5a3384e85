package dev.backprop.cli;

import dev.backprop.UserError;
import dev.backprop.layers.Sequential;
import dev.backprop.models.ArchSpec;
import dev.backprop.tensor.Rng;
import dev.backprop.train.Checkpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/** --checkpoint, and which architecture to load it into. */
final class CheckpointOption {
  @Option(names = "--checkpoint", paramLabel = "FILE", required = true,
      description = "A .safetensors state_dict: one saved by 'backprop train', or by PyTorch from the "
          + "equivalent nn.Sequential (then name the model with --model or --arch).")
  Path checkpoint;

  /**
   * The model for the checkpoint: --arch if given, else an explicit --model, else the architecture recorded in
   * the checkpoint by 'backprop train', else the default zoo model; with the checkpoint's weights loaded.
   */
  Sequential loadModel(ModelChoice choice, CommandSpec spec) {
    Sequential model = ArchSpec.build(architecture(choice, spec), new Rng(0));
    Checkpoint.load(checkpoint, model);
    return model;
  }

  /** The architecture {@link #loadModel} builds, as a spec line. */
  String architecture(ModelChoice choice, CommandSpec spec) {
    if (!Files.isRegularFile(checkpoint)) {
      throw new UserError("no checkpoint at " + checkpoint);
    }
    String recorded = Checkpoint.metadata(checkpoint).get(Checkpoint.ARCH);
    boolean modelGiven = spec.commandLine().getParseResult().hasMatchedOption("--model");
    return choice.arch != null || modelGiven || recorded == null ? choice.architecture() : recorded;
  }
}
