package dev.backprop.plot;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** Java2D plumbing shared by the figures: headless setup, white canvases, fonts, centred text, PNG output. */
final class Drawing {
  static final Color INK = new Color(0x22, 0x22, 0x22);
  static final Color MUTED = new Color(0x77, 0x77, 0x77);

  static {
    // Figures are drawn off screen, also on machines with a DISPLAY set but no X server behind it.
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
  }

  private Drawing() {}

  /** Makes sure {@code java.awt.headless} is decided before the first AWT class loads. */
  static void init() {}

  static BufferedImage whiteImage(int width, int height) {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, width, height);
    g.dispose();
    return image;
  }

  /** A graphics context with antialiased shapes and text. */
  static Graphics2D graphics(BufferedImage image) {
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_FRACTIONALMETRICS, RenderingHints.VALUE_FRACTIONALMETRICS_ON);
    g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
    return g;
  }

  static Font font(int style, int size) {
    return new Font(Font.SANS_SERIF, style, size);
  }

  /** Draws {@code text} centred horizontally on {@code centreX} and vertically on {@code centreY}. */
  static void drawCentred(Graphics2D g, String text, double centreX, double centreY) {
    FontMetrics metrics = g.getFontMetrics();
    float x = (float) (centreX - metrics.stringWidth(text) / 2.0);
    float y = (float) (centreY + (metrics.getAscent() - metrics.getDescent()) / 2.0);
    g.drawString(text, x, y);
  }

  /** Writes {@code image} as a PNG, creating the parent directory if needed. */
  static void writePng(Path png, BufferedImage image) throws IOException {
    Path parent = png.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    // Encoded in memory, then written by NIO: ImageIO's own file output reports a read-only folder only as
    // "Can't create an ImageOutputStream!", and NIO names the file and the reason.
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    if (!ImageIO.write(image, "png", bytes)) {
      throw new IOException("no PNG writer available for " + png);
    }
    Files.write(png, bytes.toByteArray());
  }
}
