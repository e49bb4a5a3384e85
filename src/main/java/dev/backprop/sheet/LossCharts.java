package dev.backprop.sheet;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler.LegendPosition;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** Plots E_total against the step: all learning rates on one chart, or one learning rate alone. */
final class LossCharts {

  private LossCharts() {}

  static void write(Path file, String title, List<Trajectory> trajectories) throws IOException {
    // E_total shrinks by orders of magnitude at the larger learning rates: only a log scale shows them all,
    // unless some E_total is exactly 0 (a network that starts at its target), which a log scale cannot show.
    boolean logarithmic = trajectories.stream().flatMap(t -> t.steps().stream())
        .allMatch(step -> step.forward().eTotal() > 0);
    XYChart chart = new XYChartBuilder().width(900).height(600).title(title)
        .xAxisTitle("step").yAxisTitle(logarithmic ? "E_total (log scale)" : "E_total").build();
    chart.getStyler().setYAxisLogarithmic(logarithmic);
    // Outside the plot: a legend inside would hide whichever curve passes beneath it.
    chart.getStyler().setLegendPosition(LegendPosition.OutsideE);
    chart.getStyler().setLegendVisible(trajectories.size() > 1);
    chart.getStyler().setAntiAlias(true);
    for (Trajectory trajectory : trajectories) {
      List<Step> steps = trajectory.steps();
      double[] step = steps.stream().mapToDouble(Step::index).toArray();
      double[] eTotal = steps.stream().mapToDouble(s -> s.forward().eTotal()).toArray();
      chart.addSeries("η = " + trajectory.learningRate().label(), step, eTotal).setMarker(SeriesMarkers.NONE);
    }
    try (OutputStream out = Files.newOutputStream(file)) {
      BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
    }
  }
}
