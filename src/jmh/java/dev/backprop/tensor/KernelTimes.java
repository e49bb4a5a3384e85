package dev.backprop.tensor;

import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.util.Statistics;

/** The per-call times of a vector-against-scalar kernel benchmark, gathered for its summary table. */
final class KernelTimes {
  private KernelTimes() {}

  /**
   * Microseconds per call by the value of the parameter {@code key} (sorted): {vector median, vector fastest,
   * scalar median, scalar fastest}; NaN where a kernel was not run.
   */
  static Map<String, double[]> byParameter(Collection<RunResult> results, String key) {
    Map<String, double[]> micros = new TreeMap<>();
    for (RunResult result : results) {
      String value = result.getParams().getParam(key);
      boolean vector = result.getParams().getParam("impl").equals("vector");
      Statistics stats = result.getPrimaryResult().getStatistics();
      double[] row = micros.computeIfAbsent(value, s -> new double[] {Double.NaN, Double.NaN, Double.NaN, Double.NaN});
      row[vector ? 0 : 2] = stats.getPercentile(50);
      row[vector ? 1 : 3] = stats.getMin();
    }
    return micros;
  }
}
