package dev.backprop.plot;

import dev.backprop.train.EpochMetrics;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The training curves of a run as one PNG: a 2×2 figure of training loss, training accuracy, test loss and test
 * accuracy against epoch (with the validation curves beside the test ones when the run held images out), under a
 * title that names the best test accuracy. The accuracy panels are zoomed to the
 * data; the test accuracy panel has a dashed line at the {@value #REFERENCE_ACCURACY} % the course aims for.
 *
 * <p>Each panel is an XChart {@link XYChart}; the four are rendered with {@link BitmapEncoder#getBufferedImage}
 * and composed under the figure title here, since XChart's own grid encoder has no room for a title.
 */
public final class TrainingCurves {
  public static final double REFERENCE_ACCURACY = 99.4;

  static final int PANEL_WIDTH = 640;
  static final int PANEL_HEIGHT = 420;
  static final int TITLE_HEIGHT = 56;

  private static final Color TRAIN = new Color(0x1f, 0x77, 0xb4);
  private static final Color TEST = new Color(0xd6, 0x5f, 0x0e);
  private static final Color VALIDATION = new Color(0x2c, 0xa0, 0x2c);
  private static final Color REFERENCE = new Color(0x55, 0x55, 0x55);
  private static final Color GRID = new Color(0xe3, 0xe3, 0xe3);
  private static final int MARKER_LIMIT = 40; // epochs beyond which points get no markers
  private static final double MIN_ACCURACY_SPAN = 0.5; // percentage points shown at least

  private TrainingCurves() {}

  /** Draws the curves of {@code epochs} (in order, at least one) into {@code png}. */
  public static void write(Path png, List<EpochMetrics> epochs) throws IOException {
    Drawing.writePng(png, render(epochs));
  }

  static BufferedImage render(List<EpochMetrics> epochs) {
    if (epochs.isEmpty()) {
      throw new IllegalArgumentException("no epochs to plot");
    }
    Drawing.init();
    double[] x = epochs.stream().mapToDouble(EpochMetrics::epoch).toArray();
    List<XYChart> panels = List.of(
        lossPanel("Training loss", x, values(epochs, EpochMetrics::trainLoss), TRAIN),
        accuracyPanel("Training accuracy", x, values(epochs, EpochMetrics::trainAccuracy), TRAIN, false),
        lossPanel("Test loss", x, values(epochs, EpochMetrics::testLoss), TEST),
        accuracyPanel("Test accuracy", x, values(epochs, EpochMetrics::testAccuracy), TEST, true));
    if (epochs.get(0).hasValidation()) {
      addValidation(panels.get(2), "Validation and test loss", x, values(epochs, EpochMetrics::valLoss), false);
      addValidation(panels.get(3), "Validation and test accuracy", x, values(epochs, EpochMetrics::valAccuracy),
          true);
    }

    BufferedImage figure = Drawing.whiteImage(2 * PANEL_WIDTH, TITLE_HEIGHT + 2 * PANEL_HEIGHT);
    Graphics2D g = Drawing.graphics(figure);
    g.setColor(Drawing.INK);
    g.setFont(Drawing.font(Font.BOLD, 22));
    Drawing.drawCentred(g, title(epochs), figure.getWidth() / 2.0, TITLE_HEIGHT / 2.0 + 4);
    for (int i = 0; i < panels.size(); i++) {
      BufferedImage panel = BitmapEncoder.getBufferedImage(panels.get(i));
      g.drawImage(panel, (i % 2) * PANEL_WIDTH, TITLE_HEIGHT + (i / 2) * PANEL_HEIGHT, null);
    }
    g.dispose();
    return figure;
  }

  /** "Training curves: 12 epochs, best test accuracy 99.31 % (epoch 9)". */
  static String title(List<EpochMetrics> epochs) {
    EpochMetrics best = null;
    for (EpochMetrics e : epochs) {
      if (Double.isFinite(e.testAccuracy()) && (best == null || e.testAccuracy() > best.testAccuracy())) {
        best = e;
      }
    }
    String count = epochs.size() == 1 ? "1 epoch" : epochs.size() + " epochs";
    if (best == null) {
      return "Training curves: " + count;
    }
    return String.format(Locale.ROOT, "Training curves: %s, best test accuracy %.2f %% (epoch %d)",
        count, best.testAccuracy(), best.epoch());
  }

  private static XYChart lossPanel(String title, double[] x, double[] loss, Color colour) {
    XYChart chart = panel(title, "loss", x);
    series(chart, title.startsWith("Test") ? "test" : "train", x, loss, colour);
    Range range = Range.of(loss);
    chart.getStyler().setYAxisMin(0.0);
    chart.getStyler().setYAxisMax(range.isEmpty() ? 1.0 : Math.max(range.max() * 1.08, 1e-6));
    chart.getStyler().setYAxisDecimalPattern(range.max() < 0.1 ? "0.000" : "0.00");
    return chart;
  }

  private static XYChart accuracyPanel(String title, double[] x, double[] accuracy, Color colour, boolean reference) {
    XYChart chart = panel(title, "accuracy (%)", x);
    series(chart, title.startsWith("Test") ? "test" : "train", x, accuracy, colour);
    Range range = Range.of(accuracy);
    if (reference) {
      range = range.including(REFERENCE_ACCURACY);
      XYSeries line = chart.addSeries(
          String.format(Locale.ROOT, "%.1f %%", REFERENCE_ACCURACY),
          new double[] {x[0] - 1, x[x.length - 1] + 1},
          new double[] {REFERENCE_ACCURACY, REFERENCE_ACCURACY});
      line.setLineColor(REFERENCE);
      line.setLineStyle(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
          new float[] {7f, 5f}, 0f));
      line.setMarker(SeriesMarkers.NONE);
      XYStyler styler = chart.getStyler();
      styler.setLegendVisible(true);
      styler.setLegendPosition(Styler.LegendPosition.InsideSE);
    }
    double min = range.isEmpty() ? 0 : range.min();
    double max = range.isEmpty() ? 100 : range.max();
    if (max - min < MIN_ACCURACY_SPAN) {
      double middle = (min + max) / 2;
      min = middle - MIN_ACCURACY_SPAN / 2;
      max = middle + MIN_ACCURACY_SPAN / 2;
    }
    double pad = 0.1 * (max - min);
    chart.getStyler().setYAxisMin(Math.max(0.0, min - pad));
    chart.getStyler().setYAxisMax(Math.min(100.0, max + pad));
    chart.getStyler().setYAxisDecimalPattern(max - min < 2 ? "0.0" : "0");
    return chart;
  }

  /**
   * Adds the validation curve to a test panel, under a legend, widening the y range to hold it (accuracy panels
   * are zoomed to their data, loss panels start at 0).
   */
  private static void addValidation(XYChart chart, String title, double[] x, double[] validation,
      boolean accuracy) {
    chart.setTitle(title);
    series(chart, "validation", x, validation, VALIDATION);
    XYStyler styler = chart.getStyler();
    Range range = Range.of(validation);
    if (!range.isEmpty()) {
      if (accuracy && styler.getYAxisMin() > range.min()) {
        styler.setYAxisMin(Math.max(0.0, range.min() - 0.1 * (styler.getYAxisMax() - range.min())));
      }
      styler.setYAxisMax(Math.max(styler.getYAxisMax(), accuracy ? Math.min(100.0, range.max()) : range.max() * 1.08));
    }
    if (!accuracy) { // the accuracy panel's legend (for the reference line) already sits bottom right
      styler.setLegendVisible(true);
      styler.setLegendPosition(Styler.LegendPosition.InsideNE);
    }
  }

  private static XYChart panel(String title, String yTitle, double[] x) {
    XYChart chart = new XYChartBuilder()
        .width(PANEL_WIDTH)
        .height(PANEL_HEIGHT)
        .title(title)
        .xAxisTitle("epoch")
        .yAxisTitle(yTitle)
        .build();
    XYStyler styler = chart.getStyler();
    styler.setChartBackgroundColor(Color.WHITE);
    styler.setPlotBackgroundColor(Color.WHITE);
    styler.setPlotBorderColor(Color.GRAY);
    styler.setPlotGridLinesColor(GRID);
    styler.setChartTitleBoxVisible(false);
    styler.setChartTitleFont(Drawing.font(Font.BOLD, 16));
    styler.setAxisTitleFont(Drawing.font(Font.PLAIN, 13));
    styler.setAxisTickLabelsFont(Drawing.font(Font.PLAIN, 12));
    styler.setLegendFont(Drawing.font(Font.PLAIN, 12));
    styler.setLegendBorderColor(Color.LIGHT_GRAY);
    styler.setLegendVisible(false);
    styler.setChartPadding(14);
    styler.setMarkerSize(7);
    styler.setAntiAlias(true);
    double first = x[0];
    double last = x[x.length - 1];
    double margin = first == last ? 1 : Math.max(0.25, 0.02 * (last - first));
    styler.setXAxisMin(first - margin);
    styler.setXAxisMax(last + margin);
    // Epochs are whole numbers. XChart widens the tick spacing until the labels differ, so a pattern without
    // decimals leaves ticks on whole epochs only.
    styler.setXAxisDecimalPattern("0");
    return chart;
  }

  private static void series(XYChart chart, String name, double[] x, double[] y, Color colour) {
    XYSeries series = chart.addSeries(name, x, y);
    series.setLineColor(colour);
    series.setLineWidth(2.2f);
    series.setMarkerColor(colour);
    series.setMarker(x.length <= MARKER_LIMIT ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
  }

  private static double[] values(List<EpochMetrics> epochs, ToDoubleFunction<EpochMetrics> field) {
    return epochs.stream().mapToDouble(field).toArray();
  }

  /** The span of the finite values of a series. */
  record Range(double min, double max) {
    static Range of(double[] values) {
      double min = Double.POSITIVE_INFINITY;
      double max = Double.NEGATIVE_INFINITY;
      for (double v : values) {
        if (Double.isFinite(v)) {
          min = Math.min(min, v);
          max = Math.max(max, v);
        }
      }
      return new Range(min, max);
    }

    boolean isEmpty() {
      return min > max;
    }

    Range including(double v) {
      return isEmpty() ? new Range(v, v) : new Range(Math.min(min, v), Math.max(max, v));
    }
  }
}
