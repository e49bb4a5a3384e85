package dev.backprop.io;

import dev.backprop.UserError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The safetensors format (huggingface/safetensors): checkpoints and the PyTorch golden fixtures.
 *
 * <pre>
 * [8 bytes]  N, the header length, unsigned little-endian
 * [N bytes]  JSON header: {"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...,
 *                          "__metadata__": {"key": "value", ...}}   (optional), padded with spaces
 * [rest]     the tensors' bytes, little-endian, row-major; offsets are relative to the start of this area
 * </pre>
 *
 * Reading validates the whole file up front (header length, JSON, dtypes, shapes against byte ranges, ranges
 * inside the file, covering the data area without overlap) and reports any problem as a {@link UserError} naming
 * the file. Files are read fully into memory: ours are small.
 */
public final class Safetensors {
  /** Header size limit, as in the reference implementation: a larger length means a corrupt or foreign file. */
  static final long MAX_HEADER_BYTES = 100_000_000;

  private Safetensors() {}

  /** Reads and validates a safetensors file. */
  public static SafetensorsFile read(Path path) {
    byte[] bytes;
    try {
      long size = Files.size(path);
      if (size > Integer.MAX_VALUE - 8) {
        throw new UserError(path + ": safetensors file too large to read into memory (" + size + " bytes)");
      }
      bytes = Files.readAllBytes(path);
    } catch (NoSuchFileException e) {
      throw new UserError("cannot read " + path + ": no such file", e);
    } catch (IOException e) {
      throw new UserError("cannot read " + path + ": " + e.getMessage(), e);
    }
    return SafetensorsFile.parse(bytes, path.toString());
  }

  /** Parses a whole safetensors file held in memory; {@code source} names it in error messages. */
  public static SafetensorsFile read(byte[] bytes, String source) {
    return SafetensorsFile.parse(bytes, source);
  }

  /** A writer to which tensors and metadata are added in file order. */
  public static SafetensorsWriter writer() {
    return new SafetensorsWriter();
  }
}
