package dev.backprop.sheet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.apache.poi.ss.usermodel.Cell;
import org.apache.poi.ss.usermodel.CellType;
import org.apache.poi.ss.usermodel.Row;
import org.apache.poi.ss.usermodel.Sheet;
import org.apache.poi.xssf.usermodel.XSSFFormulaEvaluator;
import org.apache.poi.xssf.usermodel.XSSFWorkbook;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SheetFilesTest {

  private static final List<LearningRate> COURSE_RATES = Stream.of("0.1", "0.2", "0.5", "0.8", "1.0", "2.0")
      .map(label -> new LearningRate(label, Double.parseDouble(label))).toList();
  private static final List<LearningRate> MAZUR_RATES = List.of(
      new LearningRate("0.5", 0.5), new LearningRate("3", 3));
  private static final WorkedExample MAZUR_TRAINING_BIASES = new WorkedExample(
      WorkedExample.mazur().example(), WorkedExample.mazur().initialWeights(), true, true);

  @TempDir static Path root;
  static Path course;
  static Path mazur;
  /** Both workbooks with every cached result overwritten and then recalculated from the formulas. */
  static XSSFWorkbook recalculatedCourse;
  static XSSFWorkbook recalculatedMazur;

  @BeforeAll
  static void writeBothVariants() throws IOException {
    course = write("course", WorkedExample.course(), COURSE_RATES, 100);
    mazur = write("mazur", MAZUR_TRAINING_BIASES, MAZUR_RATES, 60);
    // Evaluating POI formulas is slow (about a millisecond a cell): done once for all tests.
    recalculatedCourse = recalculated(course);
    recalculatedMazur = recalculated(mazur);
  }

  @AfterAll
  static void close() throws IOException {
    recalculatedCourse.close();
    recalculatedMazur.close();
  }

  private static XSSFWorkbook recalculated(Path dir) throws IOException {
    XSSFWorkbook workbook = open(dir);
    assertThat(poisonCachedResults(workbook)).isGreaterThan(1000);
    XSSFFormulaEvaluator.evaluateAllFormulaCells(workbook);
    return workbook;
  }

  private static Path write(String name, WorkedExample network, List<LearningRate> rates, int steps) {
    Path dir = root.resolve(name).resolve("nested");
    SheetFiles.createDirectory(dir);
    SheetFiles.write(dir, network, rates.stream().map(rate -> network.descend(rate, steps)).toList());
    return dir;
  }

  @Test
  void writesExactlyThePlannedFiles() throws IOException {
    List<Path> planned = SheetFiles.planned(course, COURSE_RATES);
    try (Stream<Path> files = Files.list(course)) {
      assertThat(files).containsExactlyInAnyOrderElementsOf(planned);
    }
    assertThat(planned).extracting(path -> path.getFileName().toString()).contains(
        "steps_lr0.1.csv", "steps_lr1.0.csv", "steps_lr2.0.csv", "backprop.xlsx", "loss_curves.png",
        "loss_lr0.5.png");
  }

  @Test
  void csvColumnsAreTheDocumentedOnes() throws IOException {
    assertThat(CsvTable.read(course.resolve("steps_lr0.1.csv")).header()).containsExactly(
        "step", "lr", "i1", "i2", "t1", "t2", "w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8",
        "h1", "a_h1", "h2", "a_h2", "o1", "a_o1", "o2", "a_o2", "E1", "E2", "E_total",
        "dE_dw1", "dE_dw2", "dE_dw3", "dE_dw4", "dE_dw5", "dE_dw6", "dE_dw7", "dE_dw8");
    assertThat(CsvTable.read(mazur.resolve("steps_lr3.csv")).header()).containsExactly(
        "step", "lr", "i1", "i2", "t1", "t2", "w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8", "b1", "b2",
        "h1", "a_h1", "h2", "a_h2", "o1", "a_o1", "o2", "a_o2", "E1", "E2", "E_total",
        "dE_dw1", "dE_dw2", "dE_dw3", "dE_dw4", "dE_dw5", "dE_dw6", "dE_dw7", "dE_dw8", "dE_db1", "dE_db2");
  }

  @Test
  void csvRowsHoldStepsZeroToNWithFullPrecision() throws IOException {
    List<String> lines = Files.readAllLines(course.resolve("steps_lr0.5.csv"));
    Trajectory trajectory = WorkedExample.course().descend(COURSE_RATES.get(2), 100);

    assertThat(lines).hasSize(1 + 101);
    assertThat(lines.get(1)).startsWith("0,0.5,0.05,0.1,0.5,0.5,0.15,0.2,0.25,0.3,0.4,0.45,0.5,0.55,");
    assertThat(lines.get(101)).startsWith("100,0.5,")
        .endsWith("," + trajectory.last().gradients().w8());
    assertThat(CsvTable.read(course.resolve("steps_lr0.5.csv")).rows().get(100).get("E_total"))
        .isEqualTo(trajectory.last().forward().eTotal());
  }

  @Test
  void everyCsvRowMatchesTheMatrixReference() throws IOException {
    Example x = WorkedExample.course().example();
    Weights w = WorkedExample.course().initialWeights();
    for (LearningRate rate : COURSE_RATES) {
      List<Map<String, Double>> expected = MatrixReference.run(new double[] {x.i1(), x.i2()},
          new double[] {x.t1(), x.t2()}, new double[][] {{w.w1(), w.w2()}, {w.w3(), w.w4()}},
          new double[][] {{w.w5(), w.w6()}, {w.w7(), w.w8()}}, 0, 0, false, false, rate.value(), 100);
      assertMatches(CsvTable.read(course.resolve(SheetFiles.csvName(rate))), expected);
    }
    Example mx = MAZUR_TRAINING_BIASES.example();
    Weights mw = MAZUR_TRAINING_BIASES.initialWeights();
    for (LearningRate rate : MAZUR_RATES) {
      List<Map<String, Double>> expected = MatrixReference.run(new double[] {mx.i1(), mx.i2()},
          new double[] {mx.t1(), mx.t2()}, new double[][] {{mw.w1(), mw.w2()}, {mw.w3(), mw.w4()}},
          new double[][] {{mw.w5(), mw.w6()}, {mw.w7(), mw.w8()}}, mw.b1(), mw.b2(), true, true,
          rate.value(), 60);
      assertMatches(CsvTable.read(mazur.resolve(SheetFiles.csvName(rate))), expected);
    }
  }

  private static void assertMatches(CsvTable actual, List<Map<String, Double>> expected) {
    assertThat(actual.rows()).hasSameSizeAs(expected);
    for (int r = 0; r < expected.size(); r++) {
      assertThat(actual.rows().get(r).keySet()).containsExactlyElementsOf(expected.get(r).keySet());
      for (Map.Entry<String, Double> cell : expected.get(r).entrySet()) {
        double want = cell.getValue();
        double got = actual.rows().get(r).get(cell.getKey());
        assertThat(got).as("row %d, %s", r, cell.getKey())
            .isCloseTo(want, within(1e-12 * Math.max(Math.abs(want), Math.abs(got))));
      }
    }
  }

  @Test
  void workbookFormulasRecalculateToTheCsvValues() throws IOException {
    for (Map.Entry<Path, XSSFWorkbook> recalculated : Map.of(course, recalculatedCourse,
        mazur, recalculatedMazur).entrySet()) {
      XSSFWorkbook workbook = recalculated.getValue();
      assertThat(workbook.getNumberOfSheets()).isEqualTo(1 + (workbook == recalculatedCourse ? 6 : 2));
      assertThat(workbook.getForceFormulaRecalculation()).isTrue();
      for (Sheet sheet : workbook) {
        if (!sheet.getSheetName().equals(StepWorkbook.SUMMARY)) {
          Path csv = recalculated.getKey().resolve("steps_" + sheet.getSheetName() + ".csv");
          assertSheetMatches(sheet, CsvTable.read(csv), 1e-9);
        }
      }
    }
  }

  @Test
  void workbookCachesTheComputedValuesForViewersThatDoNotRecalculate() throws IOException {
    try (XSSFWorkbook workbook = open(mazur)) {
      assertSheetMatches(workbook.getSheet("lr3"), CsvTable.read(mazur.resolve("steps_lr3.csv")), 0);
    }
  }

  @Test
  void onlyTheFirstStepHoldsGivenNumbersAndEveryOtherCellIsAFormula() throws IOException {
    List<StepTable.Column> columns = StepTable.columns(MAZUR_TRAINING_BIASES);
    try (XSSFWorkbook workbook = open(mazur)) {
      Sheet sheet = workbook.getSheet("lr0.5");
      for (int r = 1; r <= sheet.getLastRowNum(); r++) {
        for (int c = 0; c < columns.size(); c++) {
          StepTable.Rule rule = columns.get(c).rule();
          boolean given = rule instanceof StepTable.Counter
              || (r == 1 && (rule instanceof StepTable.Given || rule instanceof StepTable.Trained));
          assertThat(sheet.getRow(r).getCell(c).getCellType()).as("row %d, %s", r, columns.get(c).name())
              .isEqualTo(given ? CellType.NUMERIC : CellType.FORMULA);
        }
      }
      assertThat(sheet.getRow(2).getCell(6).getCellFormula()).isEqualTo("G2-B2*AB2");
      assertThat(sheet.getRow(1).getCell(columnIndex(sheet, "a_h1")).getCellFormula())
          .isEqualTo("1/(1+EXP(-Q2))");
    }
  }

  @Test
  void changingTheFirstRowReRunsTheWholeSheet() throws IOException {
    try (XSSFWorkbook workbook = open(mazur)) {
      Sheet sheet = workbook.getSheet("lr0.5");
      sheet.getRow(1).getCell(columnIndex(sheet, "lr")).setCellValue(0.3);
      sheet.getRow(1).getCell(columnIndex(sheet, "t2")).setCellValue(0.7);

      XSSFFormulaEvaluator.evaluateAllFormulaCells(workbook);

      Example edited = new Example(0.05, 0.1, 0.01, 0.7);
      double expected = new WorkedExample(edited, MAZUR_TRAINING_BIASES.initialWeights(), true, true)
          .descend(new LearningRate("0.3", 0.3), 60).last().forward().eTotal();
      assertThat(sheet.getRow(61).getCell(columnIndex(sheet, "E_total")).getNumericCellValue())
          .isCloseTo(expected, within(1e-12));
    }
  }

  @Test
  void summaryReferencesTheErrorsOfEachSheet() throws IOException {
    Sheet summary = recalculatedCourse.getSheetAt(0);

    assertThat(summary.getSheetName()).isEqualTo("summary");
    for (int i = 0; i < COURSE_RATES.size(); i++) {
      Row row = summary.getRow(1 + i);
      String sheet = "lr" + COURSE_RATES.get(i).label();
      List<Map<String, Double>> csv = CsvTable.read(course.resolve(SheetFiles.csvName(COURSE_RATES.get(i))))
          .rows();
      assertThat(row.getCell(1).getStringCellValue()).isEqualTo(sheet);
      assertThat(row.getCell(4).getCellFormula()).isEqualTo(sheet + "!Y102");
      assertThat(row.getCell(3).getNumericCellValue()).isCloseTo(csv.getFirst().get("E_total"), within(1e-9));
      assertThat(row.getCell(4).getNumericCellValue()).isCloseTo(csv.getLast().get("E_total"), within(1e-9));
    }
    Map<String, Double> start = new LinkedHashMap<>();
    for (int r = COURSE_RATES.size() + 3; r < COURSE_RATES.size() + 3 + 12; r++) {
      Row row = summary.getRow(r);
      start.put(row.getCell(0).getStringCellValue(), row.getCell(1).getNumericCellValue());
    }
    assertThat(start).containsOnly(Map.entry("i1", 0.05), Map.entry("i2", 0.1),
        Map.entry("t1", 0.5), Map.entry("t2", 0.5), Map.entry("w1", 0.15), Map.entry("w2", 0.2),
        Map.entry("w3", 0.25), Map.entry("w4", 0.3), Map.entry("w5", 0.4), Map.entry("w6", 0.45),
        Map.entry("w7", 0.5), Map.entry("w8", 0.55));
  }

  @Test
  void chartsArePngImages() throws IOException {
    for (String name : List.of("loss_curves.png", "loss_lr0.1.png", "loss_lr2.0.png")) {
      BufferedImage image = ImageIO.read(course.resolve(name).toFile());
      assertThat(image).as(name).isNotNull();
      assertThat(image.getWidth()).isEqualTo(900);
      assertThat(image.getHeight()).isEqualTo(600);
    }
  }

  private static XSSFWorkbook open(Path dir) throws IOException {
    try (InputStream in = Files.newInputStream(dir.resolve(SheetFiles.WORKBOOK))) {
      return new XSSFWorkbook(in);
    }
  }

  /** Overwrites every formula's cached result, so that only evaluating the formulas can restore them. */
  private static int poisonCachedResults(XSSFWorkbook workbook) {
    int formulas = 0;
    for (Sheet sheet : workbook) {
      for (Row row : sheet) {
        for (Cell cell : row) {
          if (cell.getCellType() == CellType.FORMULA) {
            cell.setCellValue(-7.0);
            assertThat(cell.getCellType()).isEqualTo(CellType.FORMULA);
            formulas++;
          }
        }
      }
    }
    return formulas;
  }

  private static void assertSheetMatches(Sheet sheet, CsvTable csv, double tolerance) {
    assertThat(sheet.getLastRowNum()).isEqualTo(csv.rows().size());
    for (int c = 0; c < csv.header().size(); c++) {
      assertThat(sheet.getRow(0).getCell(c).getStringCellValue()).isEqualTo(csv.header().get(c));
    }
    for (int r = 0; r < csv.rows().size(); r++) {
      Row row = sheet.getRow(r + 1);
      for (int c = 0; c < csv.header().size(); c++) {
        double want = csv.rows().get(r).get(csv.header().get(c));
        assertThat(row.getCell(c).getNumericCellValue())
            .as("%s row %d, %s", sheet.getSheetName(), r, csv.header().get(c))
            .isCloseTo(want, within(tolerance * Math.max(1, Math.abs(want))));
      }
    }
  }

  private static int columnIndex(Sheet sheet, String name) {
    for (Cell cell : sheet.getRow(0)) {
      if (cell.getStringCellValue().equals(name)) {
        return cell.getColumnIndex();
      }
    }
    throw new AssertionError("no column " + name);
  }
}
