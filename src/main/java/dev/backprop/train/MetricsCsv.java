package dev.backprop.train;

import dev.backprop.UserError;
import java.io.BufferedReader;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code metrics.csv}: a header line, then one row per epoch; a run with validation images ({@code --val-split})
 * has {@code val_loss,val_acc} before the test columns. The training loop appends a row after each epoch, so
 * a run that stops early leaves every finished epoch on disk. Numbers are written in the shortest plain decimal
 * form that reads back to the same double ({@code 0.001}, not {@code 1.0E-3}); a diverged loss is {@code NaN}.
 */
public final class MetricsCsv {
  public static final String HEADER = "epoch,lr,train_loss,train_acc,test_loss,test_acc,seconds";
  public static final String HEADER_WITH_VALIDATION =
      "epoch,lr,train_loss,train_acc,val_loss,val_acc,test_loss,test_acc,seconds";

  private MetricsCsv() {}

  /**
   * Appends one row, writing the header first if the file is new or empty. A file that exists with another header
   * is refused rather than mixed with.
   */
  public static void append(Path csv, EpochMetrics metrics) throws IOException {
    StringBuilder text = new StringBuilder();
    if (Files.notExists(csv) || Files.size(csv) == 0) {
      text.append(header(metrics.hasValidation())).append('\n');
    } else {
      if (checkHeader(csv, firstLine(csv)) != metrics.hasValidation()) {
        throw new UserError(csv + " was written by a run " + (metrics.hasValidation() ? "without" : "with")
            + " validation images; its rows cannot be mixed with this run's");
      }
      if (!endsWithNewline(csv)) {
        text.append('\n'); // the last row was cut short (killed mid-write): keep it apart from ours
      }
    }
    text.append(row(metrics)).append('\n');
    Files.writeString(csv, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  /** Writes the header and all rows, replacing the file. */
  public static void write(Path csv, List<EpochMetrics> rows) throws IOException {
    boolean validation = !rows.isEmpty() && rows.get(0).hasValidation();
    StringBuilder text = new StringBuilder(header(validation)).append('\n');
    for (EpochMetrics metrics : rows) {
      text.append(row(metrics)).append('\n');
    }
    Files.writeString(csv, text, StandardCharsets.UTF_8);
  }

  /** Reads every row back; blank lines are skipped, anything else malformed is a {@link UserError}. */
  public static List<EpochMetrics> read(Path csv) throws IOException {
    return read(csv, Integer.MAX_VALUE);
  }

  /**
   * The rows of epochs 1..{@code epochs}, which must all be there; what follows them is not read (a resumed run
   * trains those epochs again, and a row cut short by a kill may be among them).
   */
  static List<EpochMetrics> readFirst(Path csv, int epochs) throws IOException {
    List<EpochMetrics> rows = read(csv, epochs);
    for (int i = 0; i < epochs; i++) {
      if (i >= rows.size() || rows.get(i).epoch() != i + 1) {
        throw new UserError(csv + " lacks the row of epoch " + (i + 1) + ", which the run's state has completed");
      }
    }
    return rows;
  }

  private static List<EpochMetrics> read(Path csv, int maxRows) throws IOException {
    List<String> lines;
    try {
      lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new UserError("no such file: " + csv);
    }
    if (lines.isEmpty()) {
      throw new UserError(csv + " is empty: expected the header " + HEADER);
    }
    boolean validation = checkHeader(csv, lines.get(0));
    List<EpochMetrics> rows = new ArrayList<>();
    for (int i = 1; i < lines.size() && rows.size() < maxRows; i++) {
      String line = lines.get(i).strip();
      if (!line.isEmpty()) {
        rows.add(parse(csv, i + 1, line, validation));
      }
    }
    return rows;
  }

  /** One CSV row, without the line end. */
  static String row(EpochMetrics m) {
    List<String> values = new ArrayList<>(List.of(Integer.toString(m.epoch()), number(m.lr()),
        number(m.trainLoss()), number(m.trainAccuracy())));
    if (m.hasValidation()) {
      values.add(number(m.valLoss()));
      values.add(number(m.valAccuracy()));
    }
    values.addAll(List.of(number(m.testLoss()), number(m.testAccuracy()), number(m.seconds())));
    return String.join(",", values);
  }

  private static String header(boolean validation) {
    return validation ? HEADER_WITH_VALIDATION : HEADER;
  }

  /** Shortest plain decimal that parses back to {@code x} exactly; NaN and infinities as Java spells them. */
  static String number(double x) {
    if (!Double.isFinite(x)) {
      return Double.toString(x);
    }
    if (x == 0) {
      return "0";
    }
    return BigDecimal.valueOf(x).stripTrailingZeros().toPlainString();
  }

  private static EpochMetrics parse(Path csv, int lineNumber, String line, boolean validation) {
    String[] f = line.split(",", -1);
    int columns = header(validation).split(",").length;
    if (f.length != columns) {
      throw new UserError(csv + " line " + lineNumber + ": expected " + columns + " values, found " + f.length);
    }
    try {
      double[] v = new double[f.length];
      for (int i = 1; i < f.length; i++) {
        v[i] = Double.parseDouble(f[i]);
      }
      int epoch = Integer.parseInt(f[0].strip());
      return validation
          ? new EpochMetrics(epoch, v[1], v[2], v[3], v[6], v[7], v[8], v[4], v[5])
          : new EpochMetrics(epoch, v[1], v[2], v[3], v[4], v[5], v[6]);
    } catch (NumberFormatException e) {
      throw new UserError(csv + " line " + lineNumber + ": not a number in '" + line + "'");
    }
  }

  /** Whether the header is the one with validation columns; any other header is a {@link UserError}. */
  private static boolean checkHeader(Path csv, String firstLine) {
    String header = firstLine.strip();
    if (header.startsWith("\uFEFF")) {
      header = header.substring(1);
    }
    if (!header.equals(HEADER) && !header.equals(HEADER_WITH_VALIDATION)) {
      throw new UserError(csv + " is not a metrics file: its header is '" + header + "', expected " + HEADER
          + " or " + HEADER_WITH_VALIDATION);
    }
    return header.equals(HEADER_WITH_VALIDATION);
  }

  private static String firstLine(Path csv) throws IOException {
    try (BufferedReader in = Files.newBufferedReader(csv, StandardCharsets.UTF_8)) {
      String line = in.readLine();
      return line == null ? "" : line;
    }
  }

  private static boolean endsWithNewline(Path csv) throws IOException {
    try (SeekableByteChannel channel = Files.newByteChannel(csv)) {
      channel.position(channel.size() - 1);
      ByteBuffer last = ByteBuffer.allocate(1);
      channel.read(last);
      return last.get(0) == '\n';
    }
  }
}
