package dev.backprop.sheet;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import dev.backprop.UserError;
import dev.backprop.sheet.StepTable.Column;

/** The files of one run of the worked example, and writing them into an output directory. */
public final class SheetFiles {

  public static final String WORKBOOK = "backprop.xlsx";
  public static final String ALL_CURVES = "loss_curves.png";

  private SheetFiles() {}

  public static String csvName(LearningRate learningRate) {
    return "steps_lr" + learningRate.label() + ".csv";
  }

  public static String chartName(LearningRate learningRate) {
    return "loss_lr" + learningRate.label() + ".png";
  }

  /** Every file a run with these learning rates writes into {@code dir}, in the order they are written. */
  public static List<Path> planned(Path dir, List<LearningRate> learningRates) {
    List<Path> files = new ArrayList<>();
    learningRates.forEach(learningRate -> files.add(dir.resolve(csvName(learningRate))));
    files.add(dir.resolve(WORKBOOK));
    files.add(dir.resolve(ALL_CURVES));
    learningRates.forEach(learningRate -> files.add(dir.resolve(chartName(learningRate))));
    return List.copyOf(files);
  }

  /**
   * Writes the CSV files, the workbook and the charts into {@code dir} (see {@link #createDirectory}) and
   * returns the files written. Existing files are replaced: refusing to is the caller's decision.
   *
   * @throws UserError if a file cannot be written
   */
  public static List<Path> write(Path dir, WorkedExample network, List<Trajectory> trajectories) {
    List<Column> columns = StepTable.columns(network);
    for (Trajectory trajectory : trajectories) {
      Path csv = dir.resolve(csvName(trajectory.learningRate()));
      writing(csv, () -> StepCsv.write(csv, columns, network.example(), trajectory));
    }
    Path workbook = dir.resolve(WORKBOOK);
    writing(workbook, () -> StepWorkbook.write(workbook, network, trajectories));
    Path curves = dir.resolve(ALL_CURVES);
    writing(curves, () -> LossCharts.write(curves, "E_total during gradient descent", trajectories));
    for (Trajectory trajectory : trajectories) {
      Path chart = dir.resolve(chartName(trajectory.learningRate()));
      String title = "E_total during gradient descent, η = " + trajectory.learningRate().label();
      writing(chart, () -> LossCharts.write(chart, title, List.of(trajectory)));
    }
    return planned(dir, trajectories.stream().map(Trajectory::learningRate).toList());
  }

  /**
   * Creates the output directory if needed: called before any work, so that a bad directory is reported
   * before anything else happens.
   *
   * @throws UserError if it cannot be created or written into
   */
  public static void createDirectory(Path dir) {
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new UserError("cannot write into " + dir + ": it is a file, not a directory");
    }
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UserError("cannot create directory " + dir + ": " + reason(e), e);
    }
    if (!Files.isWritable(dir)) {
      throw new UserError("cannot write into " + dir + ": permission denied");
    }
  }

  private interface FileWriting {
    void run() throws IOException;
  }

  private static void writing(Path file, FileWriting writing) {
    try {
      writing.run();
    } catch (IOException e) {
      throw new UserError("cannot write " + file + ": " + reason(e), e);
    }
  }

  /** The part of an I/O failure a user can act on; the exception's own message is often just the path. */
  private static String reason(IOException e) {
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof NoSuchFileException) {
      return "no such file or directory";
    }
    if (e instanceof FileSystemException failure && failure.getReason() != null) {
      return failure.getReason();
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }
}
