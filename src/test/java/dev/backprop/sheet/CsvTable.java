package dev.backprop.sheet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A CSV file as written by {@link StepCsv}: the header and each row as a map from column name to value. */
record CsvTable(List<String> header, List<Map<String, Double>> rows) {

  static CsvTable read(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file);
    List<String> header = List.of(lines.getFirst().split(","));
    List<Map<String, Double>> rows = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] cells = line.split(",", -1);
      Map<String, Double> row = new LinkedHashMap<>();
      for (int c = 0; c < header.size(); c++) {
        row.put(header.get(c), Double.parseDouble(cells[c]));
      }
      rows.add(row);
    }
    return new CsvTable(header, rows);
  }
}
