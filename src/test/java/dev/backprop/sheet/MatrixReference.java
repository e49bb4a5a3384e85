package dev.backprop.sheet;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The worked example again, written independently of the main code in matrix form: h = W1·x + b1,
 * a = σ(h), o = W2·a + b2, y = σ(o); backward g_o = (y − t) ⊙ y ⊙ (1 − y), ∇W2 = g_o aᵀ,
 * g_h = (W2ᵀ g_o) ⊙ a ⊙ (1 − a), ∇W1 = g_h xᵀ. Each row is a map from CSV column name to value.
 */
final class MatrixReference {

  private MatrixReference() {}

  static List<Map<String, Double>> run(double[] x, double[] t, double[][] w1, double[][] w2,
      double hiddenBias, double outputBias, boolean hasBiases, boolean trainBiases, double lr, int steps) {
    double[][] weights1 = copy(w1);
    double[][] weights2 = copy(w2);
    double b1 = hiddenBias;
    double b2 = outputBias;
    List<Map<String, Double>> rows = new ArrayList<>();
    for (int step = 0; step <= steps; step++) {
      double[] h = plus(times(weights1, x), b1);
      double[] a = sigmoid(h);
      double[] o = plus(times(weights2, a), b2);
      double[] y = sigmoid(o);
      double[] errors = new double[2];
      double[] gO = new double[2];
      for (int k = 0; k < 2; k++) {
        errors[k] = 0.5 * (t[k] - y[k]) * (t[k] - y[k]);
        gO[k] = (y[k] - t[k]) * y[k] * (1 - y[k]);
      }
      double[][] gradW2 = outer(gO, a);
      double[] backToA = times(transpose(weights2), gO);
      double[] gH = new double[2];
      for (int j = 0; j < 2; j++) {
        gH[j] = backToA[j] * a[j] * (1 - a[j]);
      }
      double[][] gradW1 = outer(gH, x);
      double gradB1 = gH[0] + gH[1];
      double gradB2 = gO[0] + gO[1];

      Map<String, Double> row = new LinkedHashMap<>();
      row.put("step", (double) step);
      row.put("lr", lr);
      row.put("i1", x[0]);
      row.put("i2", x[1]);
      row.put("t1", t[0]);
      row.put("t2", t[1]);
      putMatrices(row, "w", weights1, weights2);
      if (hasBiases) {
        row.put("b1", b1);
        row.put("b2", b2);
      }
      row.put("h1", h[0]);
      row.put("a_h1", a[0]);
      row.put("h2", h[1]);
      row.put("a_h2", a[1]);
      row.put("o1", o[0]);
      row.put("a_o1", y[0]);
      row.put("o2", o[1]);
      row.put("a_o2", y[1]);
      row.put("E1", errors[0]);
      row.put("E2", errors[1]);
      row.put("E_total", errors[0] + errors[1]);
      putMatrices(row, "dE_dw", gradW1, gradW2);
      if (hasBiases) {
        row.put("dE_db1", gradB1);
        row.put("dE_db2", gradB2);
      }
      rows.add(row);

      for (int r = 0; r < 2; r++) {
        for (int c = 0; c < 2; c++) {
          weights1[r][c] -= lr * gradW1[r][c];
          weights2[r][c] -= lr * gradW2[r][c];
        }
      }
      if (trainBiases) {
        b1 -= lr * gradB1;
        b2 -= lr * gradB2;
      }
    }
    return rows;
  }

  /** w1..w4 are W1 row by row (hidden unit 1 first), w5..w8 are W2 row by row. */
  private static void putMatrices(Map<String, Double> row, String prefix, double[][] first, double[][] second) {
    int index = 1;
    for (double[][] matrix : new double[][][] {first, second}) {
      for (double[] matrixRow : matrix) {
        for (double value : matrixRow) {
          row.put(prefix + index++, value);
        }
      }
    }
  }

  private static double[] times(double[][] matrix, double[] vector) {
    double[] result = new double[matrix.length];
    for (int r = 0; r < matrix.length; r++) {
      for (int c = 0; c < vector.length; c++) {
        result[r] += matrix[r][c] * vector[c];
      }
    }
    return result;
  }

  private static double[][] transpose(double[][] matrix) {
    double[][] result = new double[matrix[0].length][matrix.length];
    for (int r = 0; r < matrix.length; r++) {
      for (int c = 0; c < matrix[0].length; c++) {
        result[c][r] = matrix[r][c];
      }
    }
    return result;
  }

  private static double[][] outer(double[] column, double[] row) {
    double[][] result = new double[column.length][row.length];
    for (int r = 0; r < column.length; r++) {
      for (int c = 0; c < row.length; c++) {
        result[r][c] = column[r] * row[c];
      }
    }
    return result;
  }

  private static double[] plus(double[] vector, double scalar) {
    double[] result = new double[vector.length];
    for (int i = 0; i < vector.length; i++) {
      result[i] = vector[i] + scalar;
    }
    return result;
  }

  private static double[] sigmoid(double[] z) {
    double[] result = new double[z.length];
    for (int i = 0; i < z.length; i++) {
      result[i] = 1 / (1 + Math.exp(-z[i]));
    }
    return result;
  }

  private static double[][] copy(double[][] matrix) {
    return new double[][] {matrix[0].clone(), matrix[1].clone()};
  }
}
