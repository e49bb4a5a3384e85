package dev.backprop.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;

/** What Linux says about this process and the CPU, for benchmark reports; nothing on other systems. */
public final class Machine {
  private Machine() {}

  /** {@code VmHWM} of {@code /proc/self/status} in bytes: the peak resident set size so far. */
  public static OptionalLong peakRssBytes() {
    return peakRssBytes(Path.of("/proc/self/status"));
  }

  static OptionalLong peakRssBytes(Path status) {
    Optional<String> value = field(status, "VmHWM"); // "123456 kB": the kernel always writes kB
    try {
      return value.isEmpty() ? OptionalLong.empty()
          : OptionalLong.of(Long.parseLong(value.get().split("\\s+")[0]) * 1024);
    } catch (NumberFormatException unexpected) {
      return OptionalLong.empty();
    }
  }

  /** The first {@code model name} of {@code /proc/cpuinfo}, e.g. "AMD EPYC 7763 64-Core Processor". */
  public static Optional<String> cpuModel() {
    return field(Path.of("/proc/cpuinfo"), "model name");
  }

  /** The value after "name:" on the first line of {@code file} that starts with it, trimmed. */
  private static Optional<String> field(Path file, String name) {
    try {
      for (String line : Files.readAllLines(file)) {
        int colon = line.indexOf(':');
        if (colon > 0 && line.substring(0, colon).trim().equals(name)) {
          return Optional.of(line.substring(colon + 1).trim());
        }
      }
    } catch (IOException unavailable) {
      // not Linux, or unreadable: the report says "not available"
    }
    return Optional.empty();
  }
}
