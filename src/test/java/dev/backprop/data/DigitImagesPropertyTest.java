package dev.backprop.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.backprop.UserError;
import dev.backprop.fuzz.Fuzz;
import dev.backprop.fuzz.Mutator;
import dev.backprop.fuzz.Mutator.Field;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code predict} does with a picture (decoding, then preparing it like MNIST), on mutants of small valid
 * PNG, JPEG, BMP and GIF files (their dimension and length fields included; PNG chunk checksums repaired half the
 * time, so that mutations get past them): a 28x28 sample or a one-line refusal naming the file. And a header that
 * declares more than 50 megapixels is refused from the header, before decoding.
 */
class DigitImagesPropertyTest {
  @TempDir(factory = Fuzz.InMemory.class) Path dir;

  /** A valid file, its format's integer fields, and whether its PNG chunk checksums can be repaired. */
  record Seed(String format, byte[] bytes, List<Field> fields) {}

  record ImageCase(String suffix, byte[] bytes, String how) implements Fuzz.Case {}

  @BeforeAll
  static void headless() {
    System.setProperty("java.awt.headless", "true");
  }

  /** A dark 7 on a light 20x26 canvas, of the given type. */
  static BufferedImage seven(int type) {
    BufferedImage image = new BufferedImage(20, 26, type);
    Graphics2D g = image.createGraphics();
    g.setColor(new Color(240, 240, 235));
    g.fillRect(0, 0, 20, 26);
    g.setColor(new Color(20, 20, 30));
    g.setStroke(new BasicStroke(3));
    g.drawLine(3, 4, 16, 4);
    g.drawLine(16, 4, 8, 22);
    g.dispose();
    return image;
  }

  static byte[] encode(BufferedImage image, String format) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      assertThat(ImageIO.write(image, format, out)).as(format).isTrue();
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static List<Seed> seeds() {
    List<Seed> seeds = new ArrayList<>();
    for (int type : new int[] {BufferedImage.TYPE_INT_RGB, BufferedImage.TYPE_BYTE_GRAY,
        BufferedImage.TYPE_INT_ARGB, BufferedImage.TYPE_USHORT_GRAY, BufferedImage.TYPE_BYTE_INDEXED}) {
      seeds.add(new Seed("png", encode(seven(type), "png"), pngFields()));
    }
    for (int type : new int[] {BufferedImage.TYPE_INT_RGB, BufferedImage.TYPE_BYTE_GRAY}) {
      byte[] jpeg = encode(seven(type), "jpeg");
      seeds.add(new Seed("jpg", jpeg, jpegFields(jpeg)));
    }
    for (int type : new int[] {BufferedImage.TYPE_INT_RGB, BufferedImage.TYPE_BYTE_INDEXED}) {
      seeds.add(new Seed("bmp", encode(seven(type), "bmp"), bmpFields()));
    }
    byte[] gif = encode(seven(BufferedImage.TYPE_BYTE_INDEXED), "gif");
    seeds.add(new Seed("gif", gif, gifFields(gif)));
    return seeds;
  }

  static List<Field> pngFields() {
    return List.of(Field.bigEndian("IHDR length", 8, 4), Field.bigEndian("width", 16, 4),
        Field.bigEndian("height", 20, 4), new Field("bit depth", 24, 1, java.nio.ByteOrder.BIG_ENDIAN),
        new Field("colour type", 25, 1, java.nio.ByteOrder.BIG_ENDIAN),
        new Field("interlace", 28, 1, java.nio.ByteOrder.BIG_ENDIAN), Field.bigEndian("second chunk length", 33, 4));
  }

  static List<Field> bmpFields() {
    return List.of(Field.littleEndian("file size", 2, 4), Field.littleEndian("pixel offset", 10, 4),
        Field.littleEndian("header size", 14, 4), Field.littleEndian("width", 18, 4),
        Field.littleEndian("height", 22, 4), Field.littleEndian("planes", 26, 2),
        Field.littleEndian("bits per pixel", 28, 2), Field.littleEndian("compression", 30, 4),
        Field.littleEndian("image size", 34, 4), Field.littleEndian("colours used", 46, 4));
  }

  /** The logical screen's size, and the first image descriptor's position and size. */
  static List<Field> gifFields(byte[] gif) {
    List<Field> fields = new ArrayList<>(List.of(Field.littleEndian("screen width", 6, 2),
        Field.littleEndian("screen height", 8, 2)));
    int at = 13 + ((gif[10] & 0x80) != 0 ? 3 << ((gif[10] & 7) + 1) : 0);
    while (at < gif.length && gif[at] != 0x2c) {
      at++;
    }
    fields.add(Field.littleEndian("image left", at + 1, 2));
    fields.add(Field.littleEndian("image width", at + 5, 2));
    fields.add(Field.littleEndian("image height", at + 7, 2));
    fields.add(new Field("LZW code size", at + 10, 1, java.nio.ByteOrder.LITTLE_ENDIAN));
    return fields;
  }

  /** Each marker segment's length up to the scan, and the frame's height, width and component count. */
  static List<Field> jpegFields(byte[] jpeg) {
    List<Field> fields = new ArrayList<>();
    int at = 2;
    while (at + 4 <= jpeg.length && (jpeg[at] & 0xff) == 0xff) {
      int marker = jpeg[at + 1] & 0xff;
      fields.add(Field.bigEndian(String.format(Locale.ROOT, "length of segment %02x", marker), at + 2, 2));
      if (marker == 0xc0 || marker == 0xc2) {
        fields.add(Field.bigEndian("height", at + 5, 2));
        fields.add(Field.bigEndian("width", at + 7, 2));
        fields.add(new Field("components", at + 9, 1, java.nio.ByteOrder.BIG_ENDIAN));
      }
      if (marker == 0xda) {
        break;
      }
      at += 2 + (ByteBuffer.wrap(jpeg, at + 2, 2).getShort() & 0xffff);
    }
    return fields;
  }

  /** Recomputes the CRC of every whole PNG chunk, so that a mutated chunk is read rather than refused. */
  static void repairPngChecksums(byte[] png) {
    int at = 8;
    ByteBuffer b = ByteBuffer.wrap(png);
    while (at + 12 <= png.length) {
      long length = b.getInt(at) & 0xffffffffL;
      if (at + 12 + length > png.length) {
        return;
      }
      CRC32 crc = new CRC32();
      crc.update(png, at + 4, 4 + (int) length);
      b.putInt(at + 8 + (int) length, (int) crc.getValue());
      at += 12 + (int) length;
    }
  }

  @Test
  void everyMutatedImageIsPreparedOrRefusedInOneLine() {
    List<Seed> seeds = seeds();
    Fuzz.Report report = Fuzz.forAll("images", 41, random -> {
      Seed seed = seeds.get(random.nextInt(seeds.size()));
      Fuzz.Input mutant = Mutator.mutate(seed.bytes(), seed.fields(), random);
      if (seed.format().equals("png") && random.nextBoolean()) {
        repairPngChecksums(mutant.bytes());
        return new ImageCase(seed.format(), mutant.bytes(), mutant.how() + ", checksums repaired");
      }
      return new ImageCase(seed.format(), mutant.bytes(), seed.format() + ": " + mutant.how());
    }, input -> {
      Path file = dir.resolve("digit." + input.suffix());
      Files.write(file, input.bytes());
      try {
        assertThat(DigitImages.read(file)).hasSize(DigitImages.SIDE * DigitImages.SIDE);
      } catch (UserError refused) {
        assertThat(refused.getMessage()).contains(file.toString());
        throw refused;
      }
    });
    Fuzz.assertVaried(report, 1000, 8);
  }

  @Test
  void aHeaderOverFiftyMegapixelsIsRefusedBeforeDecoding() {
    List<Seed> seeds = seeds();
    Fuzz.Report report = Fuzz.forAll("image-budget", 42, Fuzz.CASES / 10, random -> {
      Seed seed = seeds.get(random.nextInt(seeds.size()));
      byte[] bytes = seed.bytes().clone();
      String widthName = seed.format().equals("gif") ? "image width" : "width";
      String heightName = seed.format().equals("gif") ? "image height" : "height";
      Field width = seed.fields().stream().filter(f -> f.name().equals(widthName)).findFirst().orElseThrow();
      Field height = seed.fields().stream().filter(f -> f.name().equals(heightName)).findFirst().orElseThrow();
      long most = 1L << 29;
      long max = Math.min(most, width.bytes() == 2 ? 65_535 : Integer.MAX_VALUE);
      long w;
      long h;
      do {
        w = 1 + random.nextLong(max);
        long least = DigitImages.MAX_PIXELS / w + 1;
        long highest = Math.min(max, most / w);
        h = least <= highest ? random.nextLong(least, highest + 1) : 0;
      } while (h == 0);
      ByteBuffer b = ByteBuffer.wrap(bytes).order(width.order());
      if (width.bytes() == 2) {
        b.putShort(width.offset(), (short) w).putShort(height.offset(), (short) h);
      } else {
        b.putInt(width.offset(), (int) w).putInt(height.offset(), (int) h);
      }
      if (seed.format().equals("gif")) {
        b.putShort(6, (short) w).putShort(8, (short) h); // the logical screen holds the image
      }
      if (seed.format().equals("png")) {
        repairPngChecksums(bytes);
      }
      return new ImageCase(seed.format(), bytes, seed.format() + " of " + w + " x " + h);
    }, input -> {
      Path file = dir.resolve("huge." + input.suffix());
      Files.write(file, input.bytes());
      // Java's BMP reader refuses a row of more than 2^31 bits itself, when it reads the header.
      String bmpHeader = input.suffix().equals("bmp") ? "|cannot read \\Q" + file + "\\E as an image: Invalid "
          + "width/height for BI_RGB image data." : "";
      assertThatThrownBy(() -> DigitImages.read(file))
          .isInstanceOf(UserError.class)
          .hasMessageMatching("\\Q" + file + "\\E is \\d+ x \\d+ pixels, over the limit of 50 megapixels" + bmpHeader);
    });
    assertThat(report.accepted()).isEqualTo(report.cases());
  }
}
