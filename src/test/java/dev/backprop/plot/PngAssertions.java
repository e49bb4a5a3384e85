package dev.backprop.plot;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** Reading back the PNGs the figures write. */
final class PngAssertions {
  private PngAssertions() {}

  static BufferedImage readPng(Path png) throws IOException {
    assertThat(png).isRegularFile();
    BufferedImage image = ImageIO.read(png.toFile());
    assertThat(image).as("%s decodes as an image", png).isNotNull();
    return image;
  }

  /** Number of pixels within a few levels of {@code colour}, in the given rectangle. */
  static int countNear(BufferedImage image, Color colour, int x0, int y0, int x1, int y1) {
    int n = 0;
    for (int y = y0; y < y1; y++) {
      for (int x = x0; x < x1; x++) {
        Color c = new Color(image.getRGB(x, y));
        if (Math.abs(c.getRed() - colour.getRed()) <= 6
            && Math.abs(c.getGreen() - colour.getGreen()) <= 6
            && Math.abs(c.getBlue() - colour.getBlue()) <= 6) {
          n++;
        }
      }
    }
    return n;
  }

  static int countNear(BufferedImage image, Color colour) {
    return countNear(image, colour, 0, 0, image.getWidth(), image.getHeight());
  }
}
