package dev.backprop.data;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backprop.UserError;
import dev.backprop.fuzz.Fuzz;
import dev.backprop.fuzz.Mutator;
import dev.backprop.fuzz.Mutator.Field;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A data directory whose four IDX files are valid except one, mutated (raw, gzipped after the mutation, or with its
 * gzip stream mutated), loads as {@code --data} does or is refused with one line: never another exception.
 */
class IdxPropertyTest {
  private static final List<Field> IMAGE_FIELDS = List.of(Field.bigEndian("magic", 0, 4),
      Field.bigEndian("image count", 4, 4), Field.bigEndian("row count", 8, 4), Field.bigEndian("column count", 12, 4));
  private static final List<Field> LABEL_FIELDS =
      List.of(Field.bigEndian("magic", 0, 4), Field.bigEndian("label count", 4, 4));

  @TempDir(factory = Fuzz.InMemory.class) Path dir;

  record IdxCase(MnistFile file, boolean gzipped, byte[] bytes, String how) implements Fuzz.Case {}

  /** A valid file of a random kind with one to four mutations: raw, gzipped after, or in its gzip stream. */
  private static IdxCase mutant(Map<MnistFile, byte[]> valid, SplittableRandom random) {
    MnistFile[] files = MnistFile.values();
    MnistFile file = files[random.nextInt(files.length)];
    List<Field> fields = file.holdsImages() ? IMAGE_FIELDS : LABEL_FIELDS;
    byte[] raw = valid.get(file);
    return switch (random.nextInt(4)) {
      case 0 -> {
        Fuzz.Input content = Mutator.mutate(raw, fields, random);
        yield new IdxCase(file, true, SyntheticMnist.gzip(content.bytes()), content.how() + ", then gzipped");
      }
      case 1 -> {
        Fuzz.Input stream = Mutator.mutate(SyntheticMnist.gzip(raw), List.of(), random);
        yield new IdxCase(file, true, stream.bytes(), "gzip stream: " + stream.how());
      }
      default -> {
        Fuzz.Input content = Mutator.mutate(raw, fields, random);
        yield new IdxCase(file, false, content.bytes(), content.how());
      }
    };
  }

  @Test
  void everyMutatedIdxFileIsReadOrRefusedInOneLine() {
    Map<MnistFile, byte[]> valid = SyntheticMnist.content(6, 3, 5);
    Fuzz.Report report = Fuzz.forAll("idx", 12, random -> mutant(valid, random), input -> {
      Path path = Files.createTempFile(dir, input.file().fileName(), input.gzipped() ? ".gz" : "");
      Files.write(path, input.bytes());
      try {
        Idx.Content content = input.file().read(path, path.toString());
        assertThat(content.sha256()).hasSize(64);
        assertThat(content.count()).isPositive();
        if (content instanceof Idx.Images images) {
          assertThat(images.pixels()).hasSize(images.count() * images.rows() * images.cols());
        } else {
          Idx.Labels labels = (Idx.Labels) content;
          assertThat(labels.labels()).hasSize(labels.count());
          for (byte label : labels.labels()) {
            assertThat(label).isBetween((byte) 0, (byte) 9);
          }
        }
      } catch (UserError refused) {
        assertThat(refused.getMessage()).contains(path.toString());
        throw refused;
      } finally {
        Files.delete(path);
      }
    });
    Fuzz.assertVaried(report, 500, 12);
  }

  /**
   * The same through {@code --data}'s loader, whose checks span files (image and label counts, 28x28): fewer
   * cases, since each reads four files on two threads.
   */
  @Test
  void aDataDirectoryWithOneMutatedFileLoadsOrIsRefusedInOneLine() throws IOException {
    Map<MnistFile, byte[]> valid = SyntheticMnist.content(6, 3, 5);
    Path data = SyntheticMnist.write(dir.resolve("data"), valid, false);
    MnistSource source = MnistSource.builder().env(Map.of()).home(dir).mirrors(List.of()).npm(null).build();

    Fuzz.Report report = Fuzz.forAll("idx-directory", 13, Fuzz.CASES / 10, random -> mutant(valid, random),
        input -> {
          Path raw = data.resolve(input.file().fileName());
          Path gz = data.resolve(input.file().gzName());
          Files.delete(raw);
          Files.write(input.gzipped() ? gz : raw, input.bytes());
          try {
            Mnist mnist = source.load(data);
            for (MnistSet set : List.of(mnist.train(), mnist.test())) {
              assertThat(set.rows()).isEqualTo(28);
              assertThat(set.cols()).isEqualTo(28);
              assertThat(set.size()).isPositive();
            }
          } catch (UserError refused) {
            assertThat(refused.getMessage()).contains(data.toString());
            throw refused;
          } finally {
            Files.deleteIfExists(gz);
            Files.write(raw, valid.get(input.file()));
          }
        });
    Fuzz.assertVaried(report, 20, 8);
  }
}
