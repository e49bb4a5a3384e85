package dev.backprop.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A confusion matrix as a heatmap PNG: true class on the rows, predicted class on the columns, the count in every
 * cell. Colours follow the row-normalised rate (the share of a true class that went to each prediction), on two
 * scales so that both stay readable: the diagonal in blue from 0 to 100 %, mistakes in red from 0 to the largest
 * off-diagonal rate rounded up (a 0.2 % confusion would vanish on a 0–100 % scale). Each row's recall is printed
 * at its right end, and both colour scales are drawn beside the matrix.
 */
public final class ConfusionMatrixImage {
  static final int CELL = 54;

  private static final Color[] BLUES = {
      rgb(0xf7fbff), rgb(0xc6dbef), rgb(0x6baed6), rgb(0x2171b5), rgb(0x08306b)};
  private static final Color[] REDS = {
      rgb(0xfff5f0), rgb(0xfcbba1), rgb(0xfb6a4a), rgb(0xcb181d), rgb(0x67000d)};
  private static final double[] ERROR_SCALES = {0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0};
  /** Any non-zero mistake gets at least this much red, so a single confusion is visible next to a zero. */
  private static final double ERROR_FLOOR = 0.12;
  private static final Color ZERO_TEXT = new Color(0xb0, 0xb0, 0xb0);

  private static final int MARGIN = 24;
  private static final int TITLE_HEIGHT = 66;
  private static final int AXIS_TITLE = 26;
  private static final int RECALL_WIDTH = 74;
  private static final int BAR_WIDTH = 18;
  private static final int BAR_BLOCK = 118; // one colour bar with its tick labels and caption

  private ConfusionMatrixImage() {}

  /**
   * Draws {@code counts} (counts[true][predicted], square, one row per class) into {@code png}, labelling rows and
   * columns with {@code classNames}.
   */
  public static void write(Path png, long[][] counts, String[] classNames) throws IOException {
    Drawing.writePng(png, render(counts, classNames));
  }

  static BufferedImage render(long[][] counts, String[] classNames) {
    int n = check(counts, classNames);
    Drawing.init();
    Font labelFont = Drawing.font(Font.PLAIN, 15);
    int nameWidth = 0;
    BufferedImage scratch = Drawing.whiteImage(1, 1);
    Graphics2D measure = scratch.createGraphics();
    FontMetrics labelMetrics = measure.getFontMetrics(labelFont);
    for (String name : classNames) {
      nameWidth = Math.max(nameWidth, labelMetrics.stringWidth(name));
    }
    measure.dispose();

    int matrixLeft = MARGIN + AXIS_TITLE + nameWidth + 12;
    int matrixTop = TITLE_HEIGHT + 28;
    int side = n * CELL;
    int width = matrixLeft + side + RECALL_WIDTH + 2 * BAR_BLOCK + MARGIN;
    int height = matrixTop + side + 30 + AXIS_TITLE + MARGIN;
    BufferedImage image = Drawing.whiteImage(width, height);
    Graphics2D g = Drawing.graphics(image);

    long total = 0;
    long correct = 0;
    double[] rowTotals = new double[n];
    double worstError = 0;
    for (int t = 0; t < n; t++) {
      for (int p = 0; p < n; p++) {
        rowTotals[t] += counts[t][p];
      }
      total += (long) rowTotals[t];
      correct += counts[t][t];
      for (int p = 0; p < n; p++) {
        if (p != t && counts[t][p] > 0) {
          worstError = Math.max(worstError, counts[t][p] / rowTotals[t]);
        }
      }
    }
    double errorScale = errorScale(worstError);

    g.setColor(Drawing.INK);
    g.setFont(Drawing.font(Font.BOLD, 22));
    Drawing.drawCentred(g, "Confusion matrix", width / 2.0, 30);
    g.setFont(Drawing.font(Font.PLAIN, 14));
    g.setColor(Drawing.MUTED);
    String summary = total == 0
        ? "no examples"
        : String.format(Locale.ROOT, "%,d examples, %,d correct (%.2f %%), %,d wrong",
            total, correct, 100.0 * correct / total, total - correct);
    Drawing.drawCentred(g, summary, width / 2.0, 56);

    // Cells.
    Font countFont = Drawing.font(Font.PLAIN, n > 12 ? 11 : 14);
    Font diagonalFont = countFont.deriveFont(Font.BOLD);
    for (int t = 0; t < n; t++) {
      for (int p = 0; p < n; p++) {
        double rate = rowTotals[t] == 0 ? 0 : counts[t][p] / rowTotals[t];
        Color fill = cellColour(t == p, counts[t][p], rate, errorScale);
        int x = matrixLeft + p * CELL;
        int y = matrixTop + t * CELL;
        g.setColor(fill);
        g.fillRect(x, y, CELL, CELL);
        g.setFont(t == p ? diagonalFont : countFont);
        g.setColor(counts[t][p] == 0 ? ZERO_TEXT : textOn(fill));
        Drawing.drawCentred(g, Long.toString(counts[t][p]), x + CELL / 2.0, y + CELL / 2.0);
      }
    }
    g.setColor(new Color(0xe8, 0xe8, 0xe8));
    g.setStroke(new BasicStroke(1f));
    for (int i = 1; i < n; i++) {
      g.drawLine(matrixLeft + i * CELL, matrixTop, matrixLeft + i * CELL, matrixTop + side);
      g.drawLine(matrixLeft, matrixTop + i * CELL, matrixLeft + side, matrixTop + i * CELL);
    }
    g.setColor(Drawing.INK);
    g.drawRect(matrixLeft, matrixTop, side, side);

    // Class names and axis titles.
    g.setFont(labelFont);
    for (int i = 0; i < n; i++) {
      double centre = i * CELL + CELL / 2.0;
      Drawing.drawCentred(g, classNames[i], matrixLeft + centre, matrixTop + side + 16);
      int w = g.getFontMetrics().stringWidth(classNames[i]);
      Drawing.drawCentred(g, classNames[i], matrixLeft - 10 - w / 2.0, matrixTop + centre);
    }
    g.setFont(Drawing.font(Font.BOLD, 15));
    Drawing.drawCentred(g, "predicted class", matrixLeft + side / 2.0, matrixTop + side + 44);
    drawVertical(g, "true class", MARGIN + 8, matrixTop + side / 2.0);
    g.setFont(Drawing.font(Font.BOLD, 13));
    Drawing.drawCentred(g, "recall", matrixLeft + side + RECALL_WIDTH / 2.0, matrixTop - 14);

    // Recall per row.
    g.setFont(Drawing.font(Font.PLAIN, 13));
    for (int t = 0; t < n; t++) {
      String recall = rowTotals[t] == 0
          ? "\u2013"
          : String.format(Locale.ROOT, "%.1f %%", 100.0 * counts[t][t] / rowTotals[t]);
      g.setColor(Drawing.INK);
      Drawing.drawCentred(g, recall, matrixLeft + side + RECALL_WIDTH / 2.0, matrixTop + t * CELL + CELL / 2.0);
    }

    // Colour scales.
    int barsLeft = matrixLeft + side + RECALL_WIDTH + 28;
    colourBar(g, barsLeft, matrixTop, side, BLUES, 0, 1.0, 4, "correct");
    colourBar(g, barsLeft + BAR_BLOCK, matrixTop, side, REDS, ERROR_FLOOR, errorScale, 2, "mistakes");
    g.setFont(Drawing.font(Font.PLAIN, 12));
    g.setColor(Drawing.MUTED);
    Drawing.drawCentred(g, "colour: share of the true class", barsLeft + (BAR_BLOCK + BAR_WIDTH) / 2.0,
        matrixTop + side + 16);
    g.dispose();
    return image;
  }

  /** The top of the mistakes' colour scale: the worst off-diagonal rate rounded up to 0.5, 1, 2, 5, 10, ... %. */
  static double errorScale(double worstError) {
    for (double scale : ERROR_SCALES) {
      if (worstError <= scale) {
        return scale;
      }
    }
    return 1.0;
  }

  static Color cellColour(boolean diagonal, long count, double rate, double errorScale) {
    if (count == 0) {
      return Color.WHITE;
    }
    if (diagonal) {
      return ramp(BLUES, rate);
    }
    return ramp(REDS, ERROR_FLOOR + (1 - ERROR_FLOOR) * Math.min(1, rate / errorScale));
  }

  /** A vertical colour bar with ticks from 0 (bottom) to {@code top}; {@code floor} is where its colours start. */
  private static void colourBar(Graphics2D g, int left, int top, int height, Color[] ramp, double floor,
      double ticksTop, int ticks, String caption) {
    for (int y = 0; y < height; y++) {
      double t = 1 - (y + 0.5) / height;
      g.setColor(ramp(ramp, floor + (1 - floor) * t));
      g.fillRect(left, top + y, BAR_WIDTH, 1);
    }
    g.setColor(Drawing.INK);
    g.drawRect(left, top, BAR_WIDTH, height);
    g.setFont(Drawing.font(Font.PLAIN, 12));
    for (int i = 0; i <= ticks; i++) {
      double value = ticksTop * i / ticks;
      int y = top + height - (int) Math.round((double) height * i / ticks);
      g.drawLine(left + BAR_WIDTH, y, left + BAR_WIDTH + 4, y);
      String label = percent(value);
      FontMetrics m = g.getFontMetrics();
      g.drawString(label, left + BAR_WIDTH + 7, y + (m.getAscent() - m.getDescent()) / 2f);
    }
    g.setFont(Drawing.font(Font.BOLD, 13));
    Drawing.drawCentred(g, caption, left + BAR_WIDTH / 2.0, top - 14);
  }

  private static String percent(double fraction) {
    double pct = 100 * fraction;
    if (pct == Math.rint(pct)) {
      return String.format(Locale.ROOT, "%.0f %%", pct);
    }
    return String.format(Locale.ROOT, pct < 1 ? "%.3g %%" : "%.1f %%", pct).replaceAll("0+ %", " %");
  }

  private static void drawVertical(Graphics2D g, String text, double centreX, double centreY) {
    AffineTransform saved = g.getTransform();
    g.translate(centreX, centreY);
    g.rotate(-Math.PI / 2);
    Drawing.drawCentred(g, text, 0, 0);
    g.setTransform(saved);
  }

  /** Piecewise-linear interpolation through evenly spaced colour stops, {@code t} in 0..1. */
  static Color ramp(Color[] stops, double t) {
    double x = Math.max(0, Math.min(1, t)) * (stops.length - 1);
    int i = Math.min((int) x, stops.length - 2);
    double f = x - i;
    Color a = stops[i];
    Color b = stops[i + 1];
    return new Color(
        (int) Math.round(a.getRed() + f * (b.getRed() - a.getRed())),
        (int) Math.round(a.getGreen() + f * (b.getGreen() - a.getGreen())),
        (int) Math.round(a.getBlue() + f * (b.getBlue() - a.getBlue())));
  }

  /** White text on dark fills, dark text on light ones. */
  static Color textOn(Color fill) {
    double luma = (0.299 * fill.getRed() + 0.587 * fill.getGreen() + 0.114 * fill.getBlue()) / 255;
    return luma < 0.55 ? Color.WHITE : Drawing.INK;
  }

  private static int check(long[][] counts, String[] classNames) {
    int n = classNames.length;
    if (n == 0) {
      throw new IllegalArgumentException("no classes");
    }
    if (counts.length != n) {
      throw new IllegalArgumentException(counts.length + " rows of counts for " + n + " class names");
    }
    for (long[] row : counts) {
      if (row.length != n) {
        throw new IllegalArgumentException("confusion matrix is not " + n + " x " + n);
      }
      for (long c : row) {
        if (c < 0) {
          throw new IllegalArgumentException("negative count " + c);
        }
      }
    }
    return n;
  }

  private static Color rgb(int rgb) {
    return new Color(rgb);
  }
}
