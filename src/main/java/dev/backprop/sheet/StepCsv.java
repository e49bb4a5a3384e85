package dev.backprop.sheet;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import dev.backprop.sheet.StepTable.Column;
import dev.backprop.sheet.StepTable.Counter;
import dev.backprop.sheet.StepTable.StepRow;

/** Writes one trajectory as CSV: a header of column names, then one row per step. */
final class StepCsv {

  private StepCsv() {}

  static void write(Path file, List<Column> columns, Example example, Trajectory trajectory) throws IOException {
    try (BufferedWriter out = Files.newBufferedWriter(file)) {
      out.write(columns.stream().map(Column::name).collect(Collectors.joining(",")));
      out.newLine();
      for (Step step : trajectory.steps()) {
        StepRow row = new StepRow(trajectory.learningRate(), example, step);
        out.write(columns.stream().map(column -> text(column, row)).collect(Collectors.joining(",")));
        out.newLine();
      }
    }
  }

  /** Double.toString is the shortest text that reads back as the same double, so nothing is lost. */
  private static String text(Column column, StepRow row) {
    double value = column.value().applyAsDouble(row);
    return column.rule() instanceof Counter ? Long.toString((long) value) : Double.toString(value);
  }
}
