package dev.backprop.plot;

import static dev.backprop.plot.PngAssertions.readPng;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfusionMatrixImageTest {
  @TempDir Path dir;

  static final String[] DIGITS = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};

  static long[][] mostlyRight() {
    long[][] counts = new long[10][10];
    for (int t = 0; t < 10; t++) {
      counts[t][t] = 980 + t;
    }
    counts[4][9] = 9;
    counts[7][2] = 3;
    counts[3][5] = 1;
    return counts;
  }

  @Test
  void writesAHeatmapWithDarkDiagonalAndVisibleMistakes() throws Exception {
    Path png = dir.resolve("confusion.png");
    ConfusionMatrixImage.write(png, mostlyRight(), DIGITS);
    BufferedImage image = readPng(png);
    assertThat(image.getWidth()).isGreaterThan(10 * ConfusionMatrixImage.CELL);
    assertThat(image.getHeight()).isGreaterThan(10 * ConfusionMatrixImage.CELL);
    assertThat(PngAssertions.countNear(image, new Color(0x08, 0x30, 0x6b))).as("dark blue diagonal").isGreaterThan(
        10 * 1000);
    Color worst = ConfusionMatrixImage.cellColour(false, 9, 9 / 993.0, 0.01);
    assertThat(worst.getRed()).isGreaterThan(worst.getGreen() + 100);
    assertThat(PngAssertions.countNear(image, worst)).as("worst mistake, deep red").isGreaterThan(1000);
  }

  @Test
  void coloursFollowTheRowNormalisedRate() {
    double scale = ConfusionMatrixImage.errorScale(9 / 989.0);
    assertThat(scale).isEqualTo(0.01);
    assertThat(ConfusionMatrixImage.errorScale(0)).isEqualTo(0.005);
    assertThat(ConfusionMatrixImage.errorScale(0.3)).isEqualTo(0.5);
    assertThat(ConfusionMatrixImage.cellColour(false, 0, 0, scale)).isEqualTo(Color.WHITE);
    Color single = ConfusionMatrixImage.cellColour(false, 1, 1 / 1000.0, scale);
    Color worst = ConfusionMatrixImage.cellColour(false, 9, 9 / 989.0, scale);
    assertThat(single).isNotEqualTo(Color.WHITE);
    assertThat(brightness(worst)).isLessThan(brightness(single));
    assertThat(brightness(ConfusionMatrixImage.cellColour(true, 990, 0.99, scale)))
        .isLessThan(brightness(ConfusionMatrixImage.cellColour(true, 100, 0.1, scale)));
    assertThat(ConfusionMatrixImage.textOn(ConfusionMatrixImage.cellColour(true, 990, 0.99, scale)))
        .isEqualTo(Color.WHITE);
  }

  @Test
  void emptyRowsAndAllZeroMatricesDraw() throws Exception {
    ConfusionMatrixImage.write(dir.resolve("zero.png"), new long[10][10], DIGITS);
    assertThat(readPng(dir.resolve("zero.png")).getWidth()).isPositive();
  }

  @Test
  void shapesMustMatch() {
    assertThatThrownBy(() -> ConfusionMatrixImage.write(dir.resolve("x.png"), new long[9][10], DIGITS))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ConfusionMatrixImage.write(dir.resolve("x.png"), new long[10][3], DIGITS))
        .isInstanceOf(IllegalArgumentException.class);
  }

  static int brightness(Color c) {
    return c.getRed() + c.getGreen() + c.getBlue();
  }
}
