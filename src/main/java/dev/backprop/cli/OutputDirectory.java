package dev.backprop.cli;

import dev.backprop.UserError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Where commands write: nothing a user made is overwritten unless they said --force. */
final class OutputDirectory {
  private OutputDirectory() {}

  /** Creates {@code dir} if needed; refuses an existing non-empty one unless {@code force}. */
  static Path prepare(Path dir, boolean force) {
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new UserError(dir + " exists and is not a directory");
    }
    if (Files.isDirectory(dir) && !force && !isEmpty(dir)) {
      throw new UserError(dir + " is not empty; choose another --out or add --force to replace its files");
    }
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UserError("cannot create " + dir + ": " + e.getMessage());
    }
    if (!Files.isWritable(dir)) {
      throw new UserError("cannot write to " + dir);
    }
    return dir;
  }

  private static boolean isEmpty(Path dir) {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.findAny().isEmpty();
    } catch (IOException e) {
      throw new UserError("cannot read " + dir + ": " + e.getMessage());
    }
  }
}
