package dev.backprop.io;

import dev.backprop.UserError;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Files written whole or not at all. */
public final class AtomicFiles {
  private AtomicFiles() {}

  /**
   * Writes {@code bytes} through {@code <path>.tmp} and a rename, so that a reader never sees a half-written file and
   * an interrupted write leaves any previous file intact.
   */
  public static void write(Path path, byte[] bytes) {
    Path tmp = path.resolveSibling(path.getFileName() + ".tmp");
    try {
      Files.write(tmp, bytes);
      try {
        Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new UserError("cannot write " + path + ": " + e, e);
    } finally {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException ignored) {
        // best effort: the temporary file is only left behind if the directory became unwritable
      }
    }
  }
}
