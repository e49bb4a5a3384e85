package dev.backprop.plot;

import static dev.backprop.plot.PngAssertions.readPng;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageGridTest {
  @TempDir Path dir;

  /** A white-on-black bar, MNIST style. */
  static byte[] bar() {
    byte[] pixels = new byte[28 * 28];
    for (int r = 4; r < 24; r++) {
      for (int c = 12; c < 16; c++) {
        pixels[r * 28 + c] = (byte) 255;
      }
    }
    return pixels;
  }

  static List<ImageGrid.Example> examples(int n) {
    List<ImageGrid.Example> list = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      list.add(new ImageGrid.Example(bar(), 1, 7, 0.93));
    }
    return list;
  }

  @Test
  void captionsSayTruePredictedAndConfidence() {
    assertThat(new ImageGrid.Example(bar(), 7, 1, 0.934).caption()).isEqualTo("t=7 p=1 (0.93)");
  }

  @Test
  void drawsDarkDigitsOnWhiteEightToARowAtMostSixtyFour() throws Exception {
    Path ten = dir.resolve("ten.png");
    Path many = dir.resolve("many.png");
    ImageGrid.writeMisclassified(ten, examples(10));
    ImageGrid.writeMisclassified(many, examples(100));
    BufferedImage two = readPng(ten);
    BufferedImage eight = readPng(many);

    assertThat(two.getWidth()).isEqualTo(eight.getWidth());
    int rowHeight = (eight.getHeight() - two.getHeight()) / 6;
    assertThat(rowHeight).isGreaterThan(28 * ImageGrid.SCALE);
    assertThat(two.getRGB(0, 0) & 0xffffff).as("white background").isEqualTo(0xffffff);
    // Each bar is 20x4 pixels, scaled 3x: 720 black screen pixels per digit, and its caption adds a few more.
    int black = PngAssertions.countNear(eight, java.awt.Color.BLACK);
    assertThat(black).isGreaterThanOrEqualTo(64 * 720).isLessThan(65 * 720);
  }

  @Test
  void noExamplesGivesAnImageSayingSo() throws Exception {
    Path png = dir.resolve("none.png");
    ImageGrid.writeMisclassified(png, List.of());
    BufferedImage image = readPng(png);
    assertThat(image.getWidth()).isPositive();
    assertThat(PngAssertions.countNear(image, java.awt.Color.WHITE)).isLessThan(image.getWidth() * image.getHeight());
  }

  @Test
  void imagesMustBe28By28() {
    assertThatThrownBy(() -> new ImageGrid.Example(new byte[100], 1, 2, 0.5))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
