package dev.backprop.sheet;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import dev.backprop.sheet.StepTable.Column;
import dev.backprop.sheet.StepTable.Counter;
import dev.backprop.sheet.StepTable.Derived;
import dev.backprop.sheet.StepTable.Given;
import dev.backprop.sheet.StepTable.StepRow;
import dev.backprop.sheet.StepTable.Trained;
import org.apache.poi.ss.usermodel.Cell;
import org.apache.poi.ss.usermodel.Row;
import org.apache.poi.ss.usermodel.Sheet;
import org.apache.poi.ss.util.CellReference;
import org.apache.poi.xssf.streaming.SXSSFWorkbook;

/**
 * Writes the workbook: a "summary" sheet, then one sheet per learning rate with the columns of
 * {@link StepTable}. Every derived cell is a live formula; the numbers computed here are stored as the
 * formulas' cached results, for viewers that do not recalculate.
 */
final class StepWorkbook {

  static final String SUMMARY = "summary";

  /** Spreadsheet row of step 0: row 0 holds the column names. */
  private static final int FIRST_STEP_ROW = 1;

  private static final Pattern PLACEHOLDER = Pattern.compile("\\{(\\w+)}");

  private StepWorkbook() {}

  static String sheetName(LearningRate learningRate) {
    return "lr" + learningRate.label();
  }

  static void write(Path file, WorkedExample network, List<Trajectory> trajectories) throws IOException {
    List<Column> columns = StepTable.columns(network);
    // Streaming keeps memory flat however many steps there are; rows are only ever written in order.
    try (SXSSFWorkbook workbook = new SXSSFWorkbook(200)) {
      Sheet summary = workbook.createSheet(SUMMARY);
      for (Trajectory trajectory : trajectories) {
        writeSteps(workbook.createSheet(sheetName(trajectory.learningRate())), columns, network.example(),
            trajectory);
      }
      writeSummary(summary, columns, network, trajectories);
      workbook.setForceFormulaRecalculation(true);
      try (OutputStream out = Files.newOutputStream(file)) {
        workbook.write(out);
      }
    }
  }

  private static void writeSteps(Sheet sheet, List<Column> columns, Example example, Trajectory trajectory) {
    Map<String, Integer> columnIndex = new HashMap<>();
    Row header = sheet.createRow(0);
    for (int c = 0; c < columns.size(); c++) {
      columnIndex.put(columns.get(c).name(), c);
      header.createCell(c).setCellValue(columns.get(c).name());
    }
    sheet.setDefaultColumnWidth(14);
    sheet.createFreezePane(1, 1);
    for (Step step : trajectory.steps()) {
      int rowIndex = FIRST_STEP_ROW + step.index();
      StepRow values = new StepRow(trajectory.learningRate(), example, step);
      Row cells = sheet.createRow(rowIndex);
      for (int c = 0; c < columns.size(); c++) {
        Column column = columns.get(c);
        Cell cell = cells.createCell(c);
        String formula = formula(column, c, rowIndex, columnIndex);
        if (formula != null) {
          cell.setCellFormula(formula);
        }
        // On a formula cell this sets the cached result.
        cell.setCellValue(column.value().applyAsDouble(values));
      }
    }
  }

  /** The formula of a cell, or null where the cell holds a given number. */
  private static String formula(Column column, int col, int rowIndex, Map<String, Integer> columnIndex) {
    boolean firstStep = rowIndex == FIRST_STEP_ROW;
    return switch (column.rule()) {
      case Counter counter -> null;
      case Given given -> firstStep ? null : reference(rowIndex - 1, col);
      case Trained trained -> firstStep ? null
          : reference(rowIndex - 1, col) + "-" + reference(rowIndex - 1, columnIndex.get("lr")) + "*"
              + reference(rowIndex - 1, columnIndex.get(trained.gradientColumn()));
      case Derived derived -> expand(derived.template(), rowIndex, columnIndex);
    };
  }

  /** Replaces each {@code {column}} of a template by that column's cell in the given row. */
  private static String expand(String template, int rowIndex, Map<String, Integer> columnIndex) {
    Matcher placeholder = PLACEHOLDER.matcher(template);
    StringBuilder formula = new StringBuilder();
    while (placeholder.find()) {
      Integer col = columnIndex.get(placeholder.group(1));
      if (col == null) {
        throw new IllegalStateException("formula refers to missing column " + placeholder.group(1));
      }
      placeholder.appendReplacement(formula, reference(rowIndex, col));
    }
    return placeholder.appendTail(formula).toString();
  }

  private static String reference(int rowIndex, int col) {
    return new CellReference(rowIndex, col).formatAsString();
  }

  private static void writeSummary(Sheet summary, List<Column> columns, WorkedExample network,
      List<Trajectory> trajectories) {
    int eTotal = columns.stream().map(Column::name).toList().indexOf("E_total");
    int rowIndex = 0;
    text(summary.createRow(rowIndex++), "learning rate", "sheet", "steps", "E_total at step 0",
        "E_total at the last step");
    for (Trajectory trajectory : trajectories) {
      String sheet = sheetName(trajectory.learningRate());
      Row row = summary.createRow(rowIndex++);
      row.createCell(0).setCellValue(trajectory.learningRate().value());
      row.createCell(1).setCellValue(sheet);
      row.createCell(2).setCellValue(trajectory.last().index());
      Cell first = row.createCell(3);
      first.setCellFormula(new CellReference(sheet, FIRST_STEP_ROW, eTotal, false, false).formatAsString());
      first.setCellValue(trajectory.first().forward().eTotal());
      Cell last = row.createCell(4);
      last.setCellFormula(new CellReference(sheet, FIRST_STEP_ROW + trajectory.last().index(), eTotal,
          false, false).formatAsString());
      last.setCellValue(trajectory.last().forward().eTotal());
    }
    rowIndex++;
    text(summary.createRow(rowIndex++), "start", "value");
    Trajectory any = trajectories.getFirst();
    StepRow start = new StepRow(any.learningRate(), network.example(), any.first());
    for (Column column : columns) {
      boolean startingValue = column.rule() instanceof Given || column.rule() instanceof Trained;
      if (startingValue && !column.name().equals("lr")) {
        Row row = summary.createRow(rowIndex++);
        row.createCell(0).setCellValue(column.name());
        row.createCell(1).setCellValue(column.value().applyAsDouble(start));
      }
    }
    rowIndex++;
    text(summary.createRow(rowIndex), "On each learning-rate sheet only the first step's row holds given "
        + "numbers: edit them and the whole sheet recalculates.");
    summary.setDefaultColumnWidth(24);
  }

  private static void text(Row row, String... texts) {
    for (int c = 0; c < texts.length; c++) {
      row.createCell(c).setCellValue(texts[c]);
    }
  }
}
