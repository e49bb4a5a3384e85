package dev.backprop.cli;

import dev.backprop.UserError;
import dev.backprop.layers.Sequential;
import dev.backprop.models.ArchSpec;
import dev.backprop.tensor.Rng;
import dev.backprop.train.Checkpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/** --checkpoint, and which architecture to load it into. */
final class CheckpointOption {
  @Option(names = "--checkpoint", paramLabel = "FILE", required = true,
      description = "A .safetensors state_dict: one saved by 'backprop train', or by PyTorch from the "
          + "equivalent nn.Sequential (then name the model with --model or --arch).")
  Path checkpoint;

  /** A checkpoint's model: its name (the zoo's, or "custom" for --arch), architecture and loaded layers. */
  record Loaded(String name, String arch, Sequential model) {}

  /**
   * The model for the checkpoint: --arch if given, else an explicit --model, else the architecture recorded in
   * the checkpoint by 'backprop train', else the default zoo model; with the checkpoint's weights loaded.
   */
  Sequential loadModel(ModelChoice choice, CommandSpec spec) {
    return load(choice, spec).model();
  }

  /** {@link #loadModel}, with the name and the architecture it chose. */
  Loaded load(ModelChoice choice, CommandSpec spec) {
    if (!Files.isRegularFile(checkpoint)) {
      throw new UserError("no checkpoint at " + checkpoint);
    }
    Map<String, String> metadata = Checkpoint.metadata(checkpoint);
    String recorded = metadata.get(Checkpoint.ARCH);
    boolean modelGiven = spec.commandLine().getParseResult().hasMatchedOption("--model");
    boolean useRecorded = choice.arch == null && !modelGiven && recorded != null;
    String arch = useRecorded ? recorded : choice.architecture();
    String name = useRecorded ? metadata.getOrDefault(Checkpoint.MODEL, "custom") : choice.displayName();
    Sequential model = ArchSpec.build(arch, new Rng(0));
    Checkpoint.load(checkpoint, model);
    return new Loaded(name, arch, model);
  }
}
