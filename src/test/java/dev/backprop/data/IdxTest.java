package dev.backprop.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import dev.backprop.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IdxTest {
  @TempDir Path dir;

  private Path file(String name, byte[] bytes) throws IOException {
    return Files.write(dir.resolve(name), bytes);
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void readsImagesRawOrGzippedWithTheHashOfTheContent(boolean gzipped) throws IOException {
    byte[] raw = SyntheticMnist.images(5, 28, 28, 1);
    Path path = file("images", gzipped ? SyntheticMnist.gzip(raw) : raw);

    Idx.Images images = Idx.readImages(path);

    assertThat(images.count()).isEqualTo(5);
    assertThat(images.rows()).isEqualTo(28);
    assertThat(images.cols()).isEqualTo(28);
    assertThat(images.pixels()).isEqualTo(Arrays.copyOfRange(raw, 16, raw.length));
    assertThat(images.sha256()).isEqualTo(SyntheticMnist.sha256(raw)); // of the content, not the .gz
    assertThat(Idx.sha256(path)).isEqualTo(images.sha256());
    assertThat(Idx.isGzip(path)).isEqualTo(gzipped);
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void readsLabelsRawOrGzipped(boolean gzipped) throws IOException {
    byte[] raw = SyntheticMnist.labelFile(7, 2);
    Path path = file("labels", gzipped ? SyntheticMnist.gzip(raw) : raw);

    Idx.Labels labels = Idx.readLabels(path);

    assertThat(labels.count()).isEqualTo(7);
    assertThat(labels.labels()).isEqualTo(Arrays.copyOfRange(raw, 8, raw.length));
    assertThat(labels.sha256()).isEqualTo(SyntheticMnist.sha256(raw));
  }

  @Test
  void badMagicNamesTheFileAndBothNumbers() throws IOException {
    byte[] raw = SyntheticMnist.images(2, 28, 28, 1);
    raw[2] = 0x09; // 0x00000903: a signed-byte type
    Path path = file("images", raw);

    assertThatThrownBy(() -> Idx.readImages(path))
        .isInstanceOf(UserError.class)
        .hasMessageContaining(path.toString())
        .hasMessageContaining("magic number 0x00000903, expected 0x00000803");
  }

  @Test
  void aLabelFileWhereImagesBelongIsRecognised() throws IOException {
    Path path = file("images", SyntheticMnist.labelFile(3, 1));

    assertThatThrownBy(() -> Idx.readImages(path))
        .isInstanceOf(UserError.class)
        .hasMessageContaining("(it is a label file)");
  }

  @Test
  void notIdxAtAllIsSaidSo() throws IOException {
    Path path = file("images", "<html>not found</html>".getBytes(java.nio.charset.StandardCharsets.UTF_8));

    assertThatThrownBy(() -> Idx.readImages(path)).isInstanceOf(UserError.class).hasMessageContaining("not IDX data");
  }

  @Test
  void truncatedRawFileIsRefusedBeforeReading() throws IOException {
    byte[] raw = SyntheticMnist.images(3, 28, 28, 1);
    Path path = file("images", Arrays.copyOf(raw, raw.length - 100));

    assertThatThrownBy(() -> Idx.readImages(path))
        .isInstanceOf(UserError.class)
        .hasMessageContaining(path.toString())
        .hasMessageContaining("truncated: the header promises " + raw.length + " bytes, the content has "
            + (raw.length - 100));
  }

  @Test
  void gzipOfTruncatedContentIsTruncated() throws IOException {
    byte[] raw = SyntheticMnist.images(3, 28, 28, 1);
    Path path = file("images.gz", SyntheticMnist.gzip(Arrays.copyOf(raw, raw.length - 1)));

    assertThatThrownBy(() -> Idx.readImages(path))
        .isInstanceOf(UserError.class)
        .hasMessageContaining("truncated: the header promises " + raw.length);
  }

  @Test
  void cutGzipStreamIsTruncated() throws IOException {
    byte[] gz = SyntheticMnist.gzip(SyntheticMnist.images(30, 28, 28, 1));
    Path path = file("images.gz", Arrays.copyOf(gz, gz.length / 2));

    assertThatThrownBy(() -> Idx.readImages(path))
        .isInstanceOf(UserError.class)
        .hasMessageContaining(path.toString())
        .hasMessageContaining("truncated");
  }

  @Test
  void corruptGzipDataIsSaidSo() throws IOException {
    byte[] gz = SyntheticMnist.gzip(SyntheticMnist.images(30, 28, 28, 1));
    for (int i = 20; i < 60; i++) {
      gz[i] ^= (byte) 0x5a;
    }
    Path path = file("images.gz", gz);

    assertThatThrownBy(() -> Idx.readImages(path))
        .isInstanceOf(UserError.class)
        .hasMessageContaining(path.toString())
        .hasMessageMatching(".*(corrupt gzip data|truncated).*");
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void bytesAfterTheDataAreAnError(boolean gzipped) throws IOException {
    byte[] raw = SyntheticMnist.labelFile(4, 1);
    byte[] longer = Arrays.copyOf(raw, raw.length + 3);
    Path path = file("labels", gzipped ? SyntheticMnist.gzip(longer) : longer);

    assertThatThrownBy(() -> Idx.readLabels(path))
        .isInstanceOf(UserError.class)
        .hasMessageContaining("3 bytes of content after the " + raw.length + " bytes the header describes");
  }

  @Test
  void labelOutOfRangeNamesItsIndex() throws IOException {
    byte[] raw = SyntheticMnist.labelFile(6, 1);
    raw[8 + 4] = 10;
    Path path = file("labels", raw);

    assertThatThrownBy(() -> Idx.readLabels(path))
        .isInstanceOf(UserError.class)
        .hasMessageContaining(path + ": label 10 at index 4 is outside 0..9");
  }

  @Test
  void zeroDimensionIsRefused() throws IOException {
    Path path = file("images", SyntheticMnist.idx(Idx.IMAGES_MAGIC, new int[] {2, 0, 28}, new byte[0]));

    assertThatThrownBy(() -> Idx.readImages(path))
        .isInstanceOf(UserError.class)
        .hasMessageContaining("row count is 0");
  }

  @Test
  void headerClaimingHugeDataIsRefusedWithoutAllocatingIt() throws IOException {
    Path raw = file("images", SyntheticMnist.idx(Idx.IMAGES_MAGIC, new int[] {Integer.MAX_VALUE, 28, 28},
        new byte[0]));
    Path gz = file("images.gz", SyntheticMnist.gzip(SyntheticMnist.idx(Idx.IMAGES_MAGIC,
        new int[] {2_000_000, 28, 28}, new byte[100])));

    assertThatThrownBy(() -> Idx.readImages(raw)).isInstanceOf(UserError.class).hasMessageContaining("too large");
    assertThatThrownBy(() -> Idx.readImages(gz)).isInstanceOf(UserError.class).hasMessageContaining("truncated");
  }

  @Test
  void emptyAndShortFilesAreTooShort() throws IOException {
    Path empty = file("empty", new byte[0]);
    Path shortHeader = file("short", new byte[] {0, 0, 8, 3, 0, 0, 0, 1});

    assertThatThrownBy(() -> Idx.readImages(empty)).isInstanceOf(UserError.class).hasMessageContaining("too short");
    assertThatThrownBy(() -> Idx.readImages(shortHeader))
        .isInstanceOf(UserError.class)
        .hasMessageContaining("truncated: the header ends after 8 bytes");
  }

  @Test
  void missingFileIsAUserError() {
    assertThatThrownBy(() -> Idx.readImages(dir.resolve("nope")))
        .isInstanceOf(UserError.class)
        .hasMessageContaining("no such file");
  }

  @Test
  void imageAndLabelCountsMustAgree() throws IOException {
    Idx.Images images = Idx.readImages(file("train-images-idx3-ubyte", SyntheticMnist.images(5, 28, 28, 1)));
    Idx.Labels labels = Idx.readLabels(file("train-labels-idx1-ubyte", SyntheticMnist.labelFile(4, 1)));

    assertThatThrownBy(() -> MnistSet.of(MnistSet.Split.TRAIN, images, labels))
        .isInstanceOf(UserError.class)
        .hasMessageContaining("train-images-idx3-ubyte holds 5 images but train-labels-idx1-ubyte holds 4 labels");
  }
}
