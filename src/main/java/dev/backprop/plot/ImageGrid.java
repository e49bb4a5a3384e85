package dev.backprop.plot;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * A grid of 28×28 digit images as a PNG, for looking at what a model gets wrong: up to {@value #MAX_EXAMPLES}
 * images, {@value #PER_ROW} to a row, each upscaled ×{@value #SCALE} (nearest neighbour, so pixels stay visible)
 * and drawn dark on white, with the caption {@code t=7 p=1 (0.93)}: true label, predicted label, and the
 * probability the model gave its prediction.
 */
public final class ImageGrid {
  public static final int MAX_EXAMPLES = 64;
  public static final int PER_ROW = 8;
  public static final int SCALE = 3;
  static final int SIDE = 28;

  private static final int DIGIT = SIDE * SCALE;
  private static final int TILE_WIDTH = DIGIT + 26;
  private static final int TILE_HEIGHT = DIGIT + 30;
  private static final int MARGIN = 20;
  private static final int HEADER = 70;
  private static final Color FRAME = new Color(0xd0, 0xd0, 0xd0);

  private ImageGrid() {}

  /**
   * One image with what the model said about it.
   *
   * @param pixels 784 unsigned bytes (0..255, MNIST's white-on-black), row by row; not copied
   * @param confidence the predicted class's probability, 0..1
   */
  public record Example(byte[] pixels, int trueLabel, int predictedLabel, double confidence) {
    public Example {
      if (pixels.length != SIDE * SIDE) {
        throw new IllegalArgumentException("expected " + SIDE * SIDE + " pixels, got " + pixels.length);
      }
    }

    /** "t=7 p=1 (0.93)". */
    public String caption() {
      return String.format(Locale.ROOT, "t=%d p=%d (%.2f)", trueLabel, predictedLabel, confidence);
    }
  }

  /**
   * Draws the first {@value #MAX_EXAMPLES} of {@code examples} into {@code png}; with none, an image that says there
   * were no misclassified images.
   */
  public static void writeMisclassified(Path png, List<Example> examples) throws IOException {
    Drawing.writePng(png, renderMisclassified(examples));
  }

  static BufferedImage renderMisclassified(List<Example> examples) {
    Drawing.init();
    if (examples.isEmpty()) {
      return noExamples();
    }
    List<Example> shown = examples.subList(0, Math.min(examples.size(), MAX_EXAMPLES));
    int columns = Math.min(PER_ROW, shown.size());
    int rows = (shown.size() + PER_ROW - 1) / PER_ROW;
    int width = Math.max(2 * MARGIN + columns * TILE_WIDTH, 520);
    int gridLeft = (width - columns * TILE_WIDTH) / 2;
    BufferedImage image = Drawing.whiteImage(width, HEADER + rows * TILE_HEIGHT + MARGIN);
    Graphics2D g = Drawing.graphics(image);

    g.setColor(Drawing.INK);
    g.setFont(Drawing.font(Font.BOLD, 20));
    String title = shown.size() == examples.size()
        ? count(examples.size()) + " misclassified"
        : String.format(Locale.ROOT, "%d misclassified images, first %d shown", examples.size(), shown.size());
    Drawing.drawCentred(g, title, width / 2.0, 26);
    g.setColor(Drawing.MUTED);
    g.setFont(Drawing.font(Font.PLAIN, 13));
    Drawing.drawCentred(g, "t = true label, p = predicted label (its probability)", width / 2.0, 50);

    Font caption = Drawing.font(Font.PLAIN, 13);
    for (int i = 0; i < shown.size(); i++) {
      Example example = shown.get(i);
      int tileX = gridLeft + (i % PER_ROW) * TILE_WIDTH;
      int tileY = HEADER + (i / PER_ROW) * TILE_HEIGHT;
      int x = tileX + (TILE_WIDTH - DIGIT) / 2;
      drawDigit(g, example.pixels(), x, tileY);
      g.setColor(FRAME);
      g.drawRect(x - 1, tileY - 1, DIGIT + 1, DIGIT + 1);
      g.setColor(Drawing.INK);
      g.setFont(caption);
      Drawing.drawCentred(g, example.caption(), tileX + TILE_WIDTH / 2.0, tileY + DIGIT + 13);
    }
    g.dispose();
    return image;
  }

  /** One digit, inverted to dark on white, each pixel a SCALE×SCALE square. */
  private static void drawDigit(Graphics2D g, byte[] pixels, int left, int top) {
    for (int r = 0; r < SIDE; r++) {
      for (int c = 0; c < SIDE; c++) {
        int grey = 255 - Byte.toUnsignedInt(pixels[r * SIDE + c]);
        g.setColor(new Color(grey, grey, grey));
        g.fillRect(left + c * SCALE, top + r * SCALE, SCALE, SCALE);
      }
    }
  }

  private static BufferedImage noExamples() {
    BufferedImage image = Drawing.whiteImage(520, 120);
    Graphics2D g = Drawing.graphics(image);
    g.setColor(Drawing.INK);
    g.setFont(Drawing.font(Font.BOLD, 20));
    Drawing.drawCentred(g, "no misclassified images", image.getWidth() / 2.0, 50);
    g.setColor(Drawing.MUTED);
    g.setFont(Drawing.font(Font.PLAIN, 13));
    Drawing.drawCentred(g, "every example was classified correctly", image.getWidth() / 2.0, 82);
    g.dispose();
    return image;
  }

  private static String count(int n) {
    return n == 1 ? "1 image" : n + " images";
  }
}
