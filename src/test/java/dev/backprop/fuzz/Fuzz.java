package dev.backprop.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backprop.UserError;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Function;
import org.junit.jupiter.api.extension.AnnotatedElementContext;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDirFactory;

/**
 * Property-based tests of the parsers: a property is checked on thousands of inputs, each made by a generator from
 * its own seeded random stream (usually a valid file with a few {@link Mutator mutations}). For every input the
 * parser must either accept it (and what it returns must pass the property's checks) or refuse it with its own
 * clear error: a {@link UserError} whose message is one line. Anything else (another exception, an
 * {@link Error}, a failed check) fails the test, naming the case, how its input was made, and where the input was
 * saved.
 *
 * <p>Case {@code i} depends on (property seed, i) alone: {@code -Dbackprop.fuzz.case=i} reruns just that case,
 * {@code -Dbackprop.fuzz.cases=N} runs N cases per property instead of {@value #DEFAULT_CASES}.
 */
public final class Fuzz {
  static final int DEFAULT_CASES = 10_000;
  /** Cases per property. */
  public static final int CASES = Integer.getInteger("backprop.fuzz.cases", DEFAULT_CASES);
  private static final Integer ONLY_CASE = Integer.getInteger("backprop.fuzz.case");
  private static final Path FAILURES = Path.of("target", "fuzz-failures");
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private Fuzz() {}

  /**
   * {@code @TempDir(factory = Fuzz.InMemory.class)}: a temporary directory in memory ({@code /dev/shm}) where there
   * is one. Properties write thousands of small files, and a disk file system (ext4 flushes a file that is
   * truncated and rewritten) makes them wait on the disk for most of their time.
   */
  public static final class InMemory implements TempDirFactory {
    @Override
    public Path createTempDirectory(AnnotatedElementContext element, ExtensionContext extension) throws IOException {
      Path shm = Path.of("/dev/shm");
      return Files.isDirectory(shm) && Files.isWritable(shm) ? Files.createTempDirectory(shm, "backprop-fuzz")
          : Files.createTempDirectory("backprop-fuzz");
    }
  }

  /** One generated input: its bytes and, for the failure report, how they were made. */
  public interface Case {
    byte[] bytes();

    String how();
  }

  /** An input that is nothing but bytes. */
  public record Input(byte[] bytes, String how) implements Case {}

  /** Checks one input: returns if the parser accepted it, throws its {@link UserError} if it refused. */
  @FunctionalInterface
  public interface Property<T extends Case> {
    void check(T input) throws Exception;
  }

  /**
   * What a run saw: how many inputs were accepted and, for the refused ones, how often each kind of message came
   * (digits and the file name masked), so a test can show that its inputs reach past the first check.
   */
  public record Report(int cases, int accepted, Map<String, Integer> refusals) {
    public int refused() {
      return cases - accepted;
    }

    @Override
    public String toString() {
      return cases + " cases: " + accepted + " accepted, " + refused() + " refused in " + refusals.size()
          + " kinds of message";
    }
  }

  /** Runs {@code property} on {@link #CASES} inputs from {@code generator} (one seeded stream per case). */
  public static <T extends Case> Report forAll(String name, long seed, Function<SplittableRandom, T> generator,
      Property<T> property) {
    return forAll(name, seed, CASES, generator, property);
  }

  /** {@link #forAll(String, long, Function, Property)} on {@code count} inputs. */
  public static <T extends Case> Report forAll(String name, long seed, int count,
      Function<SplittableRandom, T> generator, Property<T> property) {
    long wallStart = System.nanoTime();
    long cpuStart = THREADS.getCurrentThreadCpuTime();
    int accepted = 0;
    int cases = 0;
    Map<String, Integer> refusals = new TreeMap<>();
    int first = ONLY_CASE != null ? ONLY_CASE : 0;
    int end = ONLY_CASE != null ? ONLY_CASE + 1 : count;
    for (int i = first; i < end; i++) {
      T input = generator.apply(new SplittableRandom(seed * 0x9E3779B97F4A7C15L + i));
      cases++;
      try {
        property.check(input);
        accepted++;
      } catch (UserError refusal) {
        String message = refusal.getMessage();
        if (message == null || message.isBlank() || message.contains("\n")) {
          throw failure(name, i, input, "refused with a message that is not one line: " + message, refusal);
        }
        refusals.merge(kind(message), 1, Integer::sum);
      } catch (Throwable crash) {
        throw failure(name, i, input, "crashed: " + crash, crash);
      }
    }
    Report report = new Report(cases, accepted, refusals);
    System.out.printf(Locale.ROOT, "%s: %s; %.1f s (%.1f s CPU)%n", name, report,
        (System.nanoTime() - wallStart) / 1e9, (THREADS.getCurrentThreadCpuTime() - cpuStart) / 1e9);
    if (Boolean.getBoolean("backprop.fuzz.verbose")) {
      refusals.forEach((kind, n) -> System.out.println("  " + n + "  " + kind));
    }
    return report;
  }

  /**
   * Asserts that a run exercised the parser beyond its first check: some inputs accepted (unless
   * {@code minAccepted} is 0) and refusals of at least {@code minKinds} kinds. A property whose every input died
   * at the first byte would pass without testing anything.
   */
  public static void assertVaried(Report report, int minAccepted, int minKinds) {
    if (ONLY_CASE != null || CASES < DEFAULT_CASES) {
      return;
    }
    assertThat(report.accepted()).as("accepted inputs of " + report).isGreaterThanOrEqualTo(minAccepted);
    assertThat(report.refusals().size()).as("kinds of refusal of " + report + ": " + report.refusals().keySet())
        .isGreaterThanOrEqualTo(minKinds);
  }

  /** The message without its numbers and paths: "truncated: the header promises # bytes, ...". */
  static String kind(String message) {
    String masked = message.replaceAll("/[^\\s:,']*", "FILE").replaceAll("0x[0-9a-f]+|-?\\d+(\\.\\d+)?", "#");
    return masked.length() > 100 ? masked.substring(0, 100) : masked;
  }

  private static AssertionError failure(String name, int index, Case input, String what, Throwable cause) {
    Path saved = FAILURES.resolve(name + "-case" + index + ".bin");
    try {
      Files.createDirectories(FAILURES);
      Files.write(saved, input.bytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new AssertionError("property '" + name + "', case " + index + " (" + input.how() + "): " + what
        + "\n  input saved to " + saved.toAbsolutePath() + "; rerun only this case with -Dbackprop.fuzz.case="
        + index, cause);
  }
}
