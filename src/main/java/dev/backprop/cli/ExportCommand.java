package dev.backprop.cli;

import dev.backprop.UserError;
import dev.backprop.io.onnx.OnnxExport;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "export", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Write a checkpoint as an ONNX model for inference (opset " + OnnxExport.OPSET + "): input "
        + "'input' float [batch, 1, 28, 28] normalised as in training, output 'output' [batch, 10] "
        + "log-probabilities.")
final class ExportCommand implements Callable<Integer> {
  @Mixin CheckpointOption checkpointOption;
  @Mixin ModelChoice modelChoice;
  @Option(names = "--onnx", paramLabel = "OUT.onnx", required = true, description = "The ONNX file to write.")
  Path onnx;
  @Option(names = "--force", description = "Replace an existing OUT.onnx.") boolean force;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    if (Files.isDirectory(onnx)) {
      throw new UserError(onnx + " is a directory; --onnx names the file to write");
    }
    if (Files.exists(onnx) && !force) {
      throw new UserError(onnx + " exists; add --force to replace it");
    }
    Path parent = onnx.toAbsolutePath().getParent();
    if (parent != null && !Files.isDirectory(parent)) {
      throw new UserError("no directory " + parent + " for " + onnx);
    }
    CheckpointOption.Loaded loaded = checkpointOption.load(modelChoice, spec);
    OnnxExport.Written written = OnnxExport.write(onnx, loaded.model(),
        new OnnxExport.Description(loaded.name(), loaded.arch(), Versions.backprop()));
    PrintWriter out = spec.commandLine().getOut();
    out.printf(Locale.ROOT, "Exported %s (%,d parameters) to %s: %d ONNX nodes, opset %d, %,d bytes%n",
        loaded.name(), loaded.model().parameterCount(), onnx, written.nodes(), OnnxExport.OPSET, written.bytes());
    out.flush();
    return 0;
  }
}
