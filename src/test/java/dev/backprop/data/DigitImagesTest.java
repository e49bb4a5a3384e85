package dev.backprop.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.backprop.UserError;
import dev.backprop.tensor.Tensor;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DigitImagesTest {
  @TempDir Path dir;

  @BeforeAll
  static void headless() {
    System.setProperty("java.awt.headless", "true");
  }

  /** A dark digit drawn large and off-centre on a light 200x300 canvas, as a user might scan or draw it. */
  static BufferedImage blackOnWhite(String digit, int type) {
    BufferedImage image = new BufferedImage(200, 300, type);
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(new Color(250, 248, 240));
    g.fillRect(0, 0, 200, 300);
    g.setColor(new Color(20, 20, 30));
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 190));
    g.drawString(digit, 18, 250);
    g.dispose();
    return image;
  }

  /** A tall pen stroke: 12 px wide, 180 px high, near the left edge. */
  static BufferedImage tallStroke() {
    BufferedImage image = new BufferedImage(200, 300, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, 200, 300);
    g.setColor(Color.BLACK);
    g.setStroke(new BasicStroke(12f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER));
    g.drawLine(40, 60, 40, 240);
    g.dispose();
    return image;
  }

  Path save(BufferedImage image, String name, String format) throws Exception {
    Path file = dir.resolve(name);
    assertThat(ImageIO.write(image, format, file.toFile())).isTrue();
    return file;
  }

  /** Bounding box of the non-zero pixels of a 28x28 image: {left, top, width, height}. */
  static int[] box(byte[] pixels) {
    int left = 28;
    int top = 28;
    int right = -1;
    int bottom = -1;
    for (int y = 0; y < 28; y++) {
      for (int x = 0; x < 28; x++) {
        if (pixels[y * 28 + x] != 0) {
          left = Math.min(left, x);
          right = Math.max(right, x);
          top = Math.min(top, y);
          bottom = Math.max(bottom, y);
        }
      }
    }
    return new int[] {left, top, right - left + 1, bottom - top + 1};
  }

  static double[] centreOfMass(byte[] pixels) {
    double mass = 0;
    double cx = 0;
    double cy = 0;
    for (int y = 0; y < 28; y++) {
      for (int x = 0; x < 28; x++) {
        int v = Byte.toUnsignedInt(pixels[y * 28 + x]);
        mass += v;
        cx += v * x;
        cy += v * y;
      }
    }
    return new double[] {cx / mass, cy / mass};
  }

  static int at(byte[] pixels, int x, int y) {
    return Byte.toUnsignedInt(pixels[y * 28 + x]);
  }

  /** White digit on black, inside 20x20, centre of mass within a pixel of (14, 14), brightest pixel 255. */
  static void assertMnistLike(byte[] pixels) {
    assertThat(pixels).hasSize(784);
    int[] box = box(pixels);
    assertThat(box[2]).as("box width").isBetween(1, 20);
    assertThat(box[3]).as("box height").isBetween(1, 20);
    assertThat(Math.max(box[2], box[3])).as("longer side").isEqualTo(20);
    double[] com = centreOfMass(pixels);
    assertThat(com[0]).as("centre of mass x").isCloseTo(14, within(1.0));
    assertThat(com[1]).as("centre of mass y").isCloseTo(14, within(1.0));
    int max = 0;
    int lit = 0;
    for (byte p : pixels) {
      max = Math.max(max, Byte.toUnsignedInt(p));
      lit += Byte.toUnsignedInt(p) > 127 ? 1 : 0;
    }
    assertThat(max).isEqualTo(255);
    assertThat(lit).as("bright pixels: a white digit on a black field").isBetween(20, 200);
    assertThat(at(pixels, 0, 0) + at(pixels, 27, 0) + at(pixels, 0, 27) + at(pixels, 27, 27)).isZero();
  }

  @Test
  void blackOnWhiteDigitsBecomeCentredWhiteOnBlack() throws Exception {
    for (String digit : new String[] {"1", "7"}) {
      byte[] pixels = DigitImages.read(save(blackOnWhite(digit, BufferedImage.TYPE_INT_RGB), digit + ".png", "png"));
      assertMnistLike(pixels);
    }
    byte[] one = DigitImages.read(dir.resolve("1.png"));
    int[] box = box(one);
    assertThat(box[3]).as("a 1 is taller than wide").isEqualTo(20);
    assertThat(box[2]).isLessThan(16);
  }

  @Test
  void aTallStrokeStaysTallAndThin() throws Exception {
    byte[] pixels = DigitImages.read(save(tallStroke(), "stroke.png", "png"));
    int[] box = box(pixels);
    assertThat(box[3]).isEqualTo(20);
    assertThat(box[2]).as("12/180 of 20 px is 1.3 px").isBetween(1, 3);
    double[] com = centreOfMass(pixels);
    assertThat(com[0]).isCloseTo(14, within(1.0));
    assertThat(com[1]).isCloseTo(14, within(1.0));
  }

  @Test
  void jpegAndPngBothRead() throws Exception {
    BufferedImage seven = blackOnWhite("7", BufferedImage.TYPE_INT_RGB);
    byte[] fromPng = DigitImages.read(save(seven, "seven.png", "png"));
    byte[] fromJpeg = DigitImages.read(save(seven, "seven.jpg", "jpeg"));
    byte[] strokeJpeg = DigitImages.read(save(tallStroke(), "stroke.jpg", "jpeg"));
    assertMnistLike(fromJpeg);
    assertThat(box(strokeJpeg)[2]).as("JPEG noise does not widen the box").isBetween(1, 3);
    double difference = 0;
    for (int i = 0; i < 784; i++) {
      difference += Math.abs(Byte.toUnsignedInt(fromPng[i]) - Byte.toUnsignedInt(fromJpeg[i]));
    }
    assertThat(difference / 784).as("mean grey-level difference, JPEG vs PNG").isLessThan(8);
  }

  @Test
  void bmpGifAndGreyAndTransparentImagesRead() throws Exception {
    assertMnistLike(DigitImages.read(save(blackOnWhite("7", BufferedImage.TYPE_INT_RGB), "seven.bmp", "bmp")));
    assertMnistLike(DigitImages.read(save(blackOnWhite("7", BufferedImage.TYPE_INT_RGB), "seven.gif", "gif")));
    assertMnistLike(DigitImages.read(save(blackOnWhite("7", BufferedImage.TYPE_BYTE_GRAY), "grey.png", "png")));

    // A dark digit on a fully transparent canvas: shown over white, as viewers do.
    BufferedImage clear = new BufferedImage(120, 160, BufferedImage.TYPE_INT_ARGB);
    Graphics2D g = clear.createGraphics();
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 120));
    g.drawString("4", 20, 130);
    g.dispose();
    assertMnistLike(DigitImages.read(save(clear, "transparent.png", "png")));
  }

  @Test
  void anMnistLikeImageStaysNearlyTheSame() throws Exception {
    byte[] prepared = DigitImages.read(save(blackOnWhite("7", BufferedImage.TYPE_INT_RGB), "seven.png", "png"));
    BufferedImage mnist = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
    mnist.getRaster().setDataElements(0, 0, 28, 28, prepared);

    byte[] again = DigitImages.read(save(mnist, "mnist-like.png", "png"));
    int worst = 0;
    for (int i = 0; i < 784; i++) {
      worst = Math.max(worst, Math.abs(Byte.toUnsignedInt(prepared[i]) - Byte.toUnsignedInt(again[i])));
    }
    assertThat(worst).as("largest grey-level change").isLessThanOrEqualTo(4);
  }

  @Test
  void greyPixelsAreReadAsStoredNotGammaConverted() {
    BufferedImage grey = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_GRAY);
    grey.getRaster().setDataElements(0, 0, 2, 1, new byte[] {(byte) 185, 0});
    assertThat(DigitImages.luma(grey)).containsExactly(185f, 0f);
  }

  @Test
  void anEmptyImageHasNoDigit() throws Exception {
    BufferedImage blank = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = blank.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, 64, 64);
    g.setColor(new Color(245, 245, 245)); // a faint smudge is not a digit
    g.fillRect(20, 20, 8, 8);
    g.dispose();
    Path file = save(blank, "blank.png", "png");
    assertThatThrownBy(() -> DigitImages.read(file))
        .isInstanceOf(UserError.class)
        .hasMessage("no digit found in " + file);
  }

  @Test
  void filesThatAreNotSupportedImagesAreUserErrorsNamingTheFile() throws Exception {
    Path text = dir.resolve("digit.png");
    Files.writeString(text, "not an image at all\n");
    assertThatThrownBy(() -> DigitImages.read(text))
        .isInstanceOf(UserError.class).hasMessageContaining(text.toString()).hasMessageContaining("not an image");

    Path tiff = save(blackOnWhite("7", BufferedImage.TYPE_INT_RGB), "seven.tif", "tiff");
    assertThatThrownBy(() -> DigitImages.read(tiff))
        .isInstanceOf(UserError.class).hasMessageContaining(tiff.toString()).hasMessageContaining("TIF");

    Path truncated = dir.resolve("truncated.png");
    byte[] png = Files.readAllBytes(save(blackOnWhite("7", BufferedImage.TYPE_INT_RGB), "whole.png", "png"));
    Files.write(truncated, java.util.Arrays.copyOf(png, png.length / 2));
    assertThatThrownBy(() -> DigitImages.read(truncated))
        .isInstanceOf(UserError.class).hasMessageContaining(truncated.toString());

    Path missing = dir.resolve("missing.png");
    assertThatThrownBy(() -> DigitImages.read(missing))
        .isInstanceOf(UserError.class).hasMessage("no such file: " + missing);
  }

  @Test
  void normalisesWithTheTrainingMeanAndStd() {
    byte[] pixels = new byte[784];
    pixels[0] = (byte) 255;
    float[] x = DigitImages.normalized(pixels);
    assertThat(x[0]).isCloseTo((1 - 0.1307f) / 0.3081f, within(1e-6f));
    assertThat(x[1]).isCloseTo(-0.1307f / 0.3081f, within(1e-6f));
    Tensor t = DigitImages.tensor(pixels);
    assertThat(t.shape()).containsExactly(1, 1, 28, 28);
    assertThat(t.data()).containsExactly(x);
  }

  @Test
  void resizeAveragesAreasWhenShrinkingAndInterpolatesWhenEnlarging() {
    float[] row = {0, 255, 255, 0};
    assertThat(DigitImages.resize(row, 4, 1, 2, 1)).containsExactly(127.5f, 127.5f);
    assertThat(DigitImages.resize(new float[] {0, 100}, 2, 1, 4, 1)).containsExactly(0f, 25f, 75f, 100f);
    assertThat(DigitImages.resize(new float[] {7}, 1, 1, 3, 3)).containsOnly(7f);
  }
}
