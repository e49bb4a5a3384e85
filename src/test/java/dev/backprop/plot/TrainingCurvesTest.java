package dev.backprop.plot;

import static dev.backprop.plot.PngAssertions.countNear;
import static dev.backprop.plot.PngAssertions.readPng;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.backprop.train.EpochMetrics;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingCurvesTest {
  @TempDir Path dir;

  static final Color TRAIN = new Color(0x1f, 0x77, 0xb4);
  static final Color TEST = new Color(0xd6, 0x5f, 0x0e);
  static final Color VALIDATION = new Color(0x2c, 0xa0, 0x2c);

  static List<EpochMetrics> run(int epochs) {
    List<EpochMetrics> rows = new ArrayList<>();
    for (int e = 1; e <= epochs; e++) {
      rows.add(new EpochMetrics(e, 0.01, 0.3 * Math.exp(-0.4 * e) + 0.01, 100 - 8 * Math.exp(-0.6 * e),
          0.06 * Math.exp(-0.3 * e) + 0.02, 99.45 - 1.5 * Math.exp(-0.45 * e), 40));
    }
    return rows;
  }

  @Test
  void writesATitledTwoByTwoFigureWithTrainCurvesAboveTestCurves() throws Exception {
    Path png = dir.resolve("curves.png");
    TrainingCurves.write(png, run(12));

    BufferedImage image = readPng(png);
    int w = TrainingCurves.PANEL_WIDTH;
    int h = TrainingCurves.PANEL_HEIGHT;
    int top = TrainingCurves.TITLE_HEIGHT;
    assertThat(image.getWidth()).isEqualTo(2 * w);
    assertThat(image.getHeight()).isEqualTo(top + 2 * h);
    // Train curves (blue) in the top row only, test curves (orange) in the bottom row only.
    for (int panel = 0; panel < 4; panel++) {
      int x0 = (panel % 2) * w;
      int y0 = top + (panel / 2) * h;
      int blue = countNear(image, TRAIN, x0, y0, x0 + w, y0 + h);
      int orange = countNear(image, TEST, x0, y0, x0 + w, y0 + h);
      assertThat(panel < 2 ? blue : orange).as("curve pixels in panel %d", panel).isGreaterThan(300);
      assertThat(panel < 2 ? orange : blue).as("other colour in panel %d", panel).isZero();
    }
  }

  @Test
  void validationCurvesJoinTheTestPanels() throws Exception {
    List<EpochMetrics> rows = new ArrayList<>();
    for (EpochMetrics m : run(12)) {
      rows.add(new EpochMetrics(m.epoch(), m.lr(), m.trainLoss(), m.trainAccuracy(), m.testLoss(), m.testAccuracy(),
          m.seconds(), m.testLoss() * 1.1, m.testAccuracy() - 0.3));
    }
    Path png = dir.resolve("validated.png");
    TrainingCurves.write(png, rows);
    BufferedImage image = readPng(png);
    int w = TrainingCurves.PANEL_WIDTH;
    int h = TrainingCurves.PANEL_HEIGHT;
    int top = TrainingCurves.TITLE_HEIGHT;
    for (int panel = 0; panel < 4; panel++) {
      int x0 = (panel % 2) * w;
      int y0 = top + (panel / 2) * h;
      int green = countNear(image, VALIDATION, x0, y0, x0 + w, y0 + h);
      if (panel < 2) {
        assertThat(green).as("validation pixels in train panel %d", panel).isZero();
      } else {
        assertThat(green).as("validation pixels in panel %d", panel).isGreaterThan(300);
      }
    }
  }

  @Test
  void titleNamesTheBestTestAccuracy() {
    List<EpochMetrics> rows = run(5);
    rows.set(2, new EpochMetrics(3, 0.01, 0.1, 97, 0.03, 99.51, 40));
    assertThat(TrainingCurves.title(rows))
        .isEqualTo("Training curves: 5 epochs, best test accuracy 99.51 % (epoch 3)");
    assertThat(TrainingCurves.title(run(1))).startsWith("Training curves: 1 epoch, ");
  }

  @Test
  void oneEpochAndDivergedEpochsStillPlot() throws Exception {
    TrainingCurves.write(dir.resolve("one.png"), run(1));
    List<EpochMetrics> rows = run(4);
    rows.set(2, new EpochMetrics(3, 0.01, Double.NaN, 10, Double.NaN, 9.8, 40));
    TrainingCurves.write(dir.resolve("nan.png"), rows);
    assertThat(readPng(dir.resolve("one.png")).getWidth()).isEqualTo(2 * TrainingCurves.PANEL_WIDTH);
    assertThat(readPng(dir.resolve("nan.png")).getWidth()).isEqualTo(2 * TrainingCurves.PANEL_WIDTH);
  }

  @Test
  void noEpochsIsRefused() {
    assertThatThrownBy(() -> TrainingCurves.write(dir.resolve("x.png"), List.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
