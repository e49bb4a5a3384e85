package dev.backprop.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.backprop.UserError;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsCsvTest {
  @TempDir Path dir;

  static final EpochMetrics E1 = new EpochMetrics(1, 0.001, 0.2873612345678901, 91.30833333333334, 0.0612, 98.07, 41.5);
  static final EpochMetrics E2 = new EpochMetrics(2, 1e-4, 0.05, 98.5, 0.041, 98.71, 40.25);
  static final EpochMetrics E3 = new EpochMetrics(3, 3.3333333333333335e-5, Double.NaN, 9.87, 2.3e-7, 99.4, 39);

  @Test
  void appendWritesHeaderOnceAndReadsBackExactly() throws Exception {
    Path csv = dir.resolve("metrics.csv");
    MetricsCsv.append(csv, E1);
    MetricsCsv.append(csv, E2);
    MetricsCsv.append(csv, E3);

    List<String> lines = Files.readAllLines(csv);
    assertThat(lines).hasSize(4);
    assertThat(lines.get(0)).isEqualTo("epoch,lr,train_loss,train_acc,test_loss,test_acc,seconds");
    assertThat(lines.get(2)).isEqualTo("2,0.0001,0.05,98.5,0.041,98.71,40.25");
    assertThat(MetricsCsv.read(csv)).containsExactly(E1, E2, E3);
  }

  @Test
  void validationColumnsSitBeforeTheTestColumnsAndDoNotMixWithoutThem() throws Exception {
    Path csv = dir.resolve("validated.csv");
    EpochMetrics v1 = new EpochMetrics(1, 0.01, 0.3, 91.5, 0.06, 98.07, 41.5, 0.07, 97.9);
    EpochMetrics v2 = new EpochMetrics(2, 0.001, 0.05, 98.5, 0.041, 98.71, 40.25, 0.045, 98.6);
    MetricsCsv.append(csv, v1);
    MetricsCsv.append(csv, v2);
    List<String> lines = Files.readAllLines(csv);
    assertThat(lines.get(0)).isEqualTo("epoch,lr,train_loss,train_acc,val_loss,val_acc,test_loss,test_acc,seconds");
    assertThat(lines.get(2)).isEqualTo("2,0.001,0.05,98.5,0.045,98.6,0.041,98.71,40.25");
    assertThat(MetricsCsv.read(csv)).containsExactly(v1, v2);
    assertThat(v2.selectionAccuracy()).isEqualTo(98.6);
    assertThat(E2.selectionAccuracy()).isEqualTo(98.71);
    assertThatThrownBy(() -> MetricsCsv.append(csv, E3)).isInstanceOf(UserError.class)
        .hasMessageContaining("with validation images");
    MetricsCsv.write(csv, List.of(v1));
    assertThat(MetricsCsv.read(csv)).containsExactly(v1);
  }

  @Test
  void numbersArePlainDecimalsThatRoundTrip() {
    assertThat(MetricsCsv.number(0.001)).isEqualTo("0.001");
    assertThat(MetricsCsv.number(1e-5)).isEqualTo("0.00001");
    assertThat(MetricsCsv.number(39.0)).isEqualTo("39");
    assertThat(MetricsCsv.number(0.0)).isEqualTo("0");
    assertThat(MetricsCsv.number(Double.NaN)).isEqualTo("NaN");
    for (double x : new double[] {E1.trainLoss(), E1.trainAccuracy(), E3.lr(), 1.0 / 3, 123456.789e3}) {
      assertThat(Double.parseDouble(MetricsCsv.number(x))).isEqualTo(x);
    }
  }

  @Test
  void writeReplacesTheFile() throws Exception {
    Path csv = dir.resolve("metrics.csv");
    MetricsCsv.append(csv, E3);
    MetricsCsv.write(csv, List.of(E1, E2));
    assertThat(MetricsCsv.read(csv)).containsExactly(E1, E2);
  }

  @Test
  void appendKeepsRowsApartWhenTheLastLineHasNoNewline() throws Exception {
    Path csv = dir.resolve("metrics.csv");
    Files.writeString(csv, MetricsCsv.HEADER + "\n" + MetricsCsv.row(E1), StandardCharsets.UTF_8);
    MetricsCsv.append(csv, E2);
    assertThat(MetricsCsv.read(csv)).containsExactly(E1, E2);
  }

  @Test
  void aFileWithAnotherHeaderIsRefused() throws Exception {
    Path csv = dir.resolve("other.csv");
    Files.writeString(csv, "a,b,c\n1,2,3\n");
    assertThatThrownBy(() -> MetricsCsv.append(csv, E1))
        .isInstanceOf(UserError.class).hasMessageContaining("other.csv").hasMessageContaining("not a metrics file");
    assertThatThrownBy(() -> MetricsCsv.read(csv)).isInstanceOf(UserError.class);
    assertThat(Files.readString(csv)).isEqualTo("a,b,c\n1,2,3\n");
  }

  @Test
  void malformedRowsAndMissingFilesAreUserErrors() throws Exception {
    Path csv = dir.resolve("metrics.csv");
    Files.writeString(csv, MetricsCsv.HEADER + "\n1,0.1,x,1,1,1,1\n");
    assertThatThrownBy(() -> MetricsCsv.read(csv))
        .isInstanceOf(UserError.class).hasMessageContaining("line 2");
    Files.writeString(csv, MetricsCsv.HEADER + "\n1,0.1\n");
    assertThatThrownBy(() -> MetricsCsv.read(csv))
        .isInstanceOf(UserError.class).hasMessageContaining("expected 7 values");
    assertThatThrownBy(() -> MetricsCsv.read(dir.resolve("absent.csv")))
        .isInstanceOf(UserError.class).hasMessageContaining("no such file");
  }
}
