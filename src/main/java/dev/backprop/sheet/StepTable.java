package dev.backprop.sheet;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * The columns of a step table, one row per step. This one model drives both the CSV files (through each
 * column's value) and the workbook (through each column's {@link Rule}), so the two cannot drift apart.
 */
public final class StepTable {

  /** What a column sees of one row. */
  public record StepRow(LearningRate learningRate, Example example, Step step) {
    public Weights weights() {
      return step.weights();
    }

    public ForwardPass forward() {
      return step.forward();
    }

    public Gradients gradients() {
      return step.gradients();
    }
  }

  /** How a spreadsheet fills a column's cells. */
  public sealed interface Rule {}

  /** The step number, a plain number in every row. */
  public record Counter() implements Rule {}

  /** Given in the first row; later rows repeat the cell above, so editing the first row reruns the sheet. */
  public record Given() implements Rule {}

  /** Given in the first row; later rows = the previous row's value − η × the previous row's gradient. */
  public record Trained(String gradientColumn) implements Rule {}

  /** A formula over cells of the same row, written with {@code {column}} placeholders. */
  public record Derived(String template) implements Rule {}

  /** One column: its header, its value in a computed row, and how a spreadsheet derives it. */
  public record Column(String name, ToDoubleFunction<StepRow> value, Rule rule) {}

  /** Sub-formulas of the gradient columns, in the course's notation (see {@link Deltas}). */
  private static final String DELTA_O1 = "({a_o1}-{t1})*{a_o1}*(1-{a_o1})";
  private static final String DELTA_O2 = "({a_o2}-{t2})*{a_o2}*(1-{a_o2})";
  private static final String DELTA_H1 = "(" + DELTA_O1 + "*{w5}+" + DELTA_O2 + "*{w7})*{a_h1}*(1-{a_h1})";
  private static final String DELTA_H2 = "(" + DELTA_O1 + "*{w6}+" + DELTA_O2 + "*{w8})*{a_h2}*(1-{a_h2})";

  private StepTable() {}

  /**
   * step, lr, i1, i2, t1, t2, w1..w8, [b1, b2,] h1, a_h1, h2, a_h2, o1, a_o1, o2, a_o2, E1, E2, E_total,
   * dE_dw1..dE_dw8[, dE_db1, dE_db2]; the bias columns only when the network has biases.
   */
  public static List<Column> columns(WorkedExample network) {
    List<Column> columns = new ArrayList<>();
    columns.add(new Column("step", row -> row.step().index(), new Counter()));
    columns.add(new Column("lr", row -> row.learningRate().value(), new Given()));
    columns.add(new Column("i1", row -> row.example().i1(), new Given()));
    columns.add(new Column("i2", row -> row.example().i2(), new Given()));
    columns.add(new Column("t1", row -> row.example().t1(), new Given()));
    columns.add(new Column("t2", row -> row.example().t2(), new Given()));
    for (Parameter parameter : network.parameters()) {
      Rule rule = network.trainedParameters().contains(parameter)
          ? new Trained(gradientColumn(parameter)) : new Given();
      columns.add(new Column(parameter.label(), row -> row.weights().get(parameter), rule));
    }
    String hiddenBias = network.hasBiases() ? "+{b1}" : "";
    String outputBias = network.hasBiases() ? "+{b2}" : "";
    columns.add(derived("h1", row -> row.forward().h1(), "{w1}*{i1}+{w2}*{i2}" + hiddenBias));
    columns.add(derived("a_h1", row -> row.forward().aH1(), sigmoid("{h1}")));
    columns.add(derived("h2", row -> row.forward().h2(), "{w3}*{i1}+{w4}*{i2}" + hiddenBias));
    columns.add(derived("a_h2", row -> row.forward().aH2(), sigmoid("{h2}")));
    columns.add(derived("o1", row -> row.forward().o1(), "{w5}*{a_h1}+{w6}*{a_h2}" + outputBias));
    columns.add(derived("a_o1", row -> row.forward().aO1(), sigmoid("{o1}")));
    columns.add(derived("o2", row -> row.forward().o2(), "{w7}*{a_h1}+{w8}*{a_h2}" + outputBias));
    columns.add(derived("a_o2", row -> row.forward().aO2(), sigmoid("{o2}")));
    columns.add(derived("E1", row -> row.forward().e1(), "0.5*({t1}-{a_o1})^2"));
    columns.add(derived("E2", row -> row.forward().e2(), "0.5*({t2}-{a_o2})^2"));
    columns.add(derived("E_total", row -> row.forward().eTotal(), "{E1}+{E2}"));
    for (Parameter parameter : network.parameters()) {
      columns.add(derived(gradientColumn(parameter), row -> row.gradients().get(parameter),
          gradientFormula(parameter)));
    }
    return List.copyOf(columns);
  }

  /** The header of the column holding ∂E_total/∂p: {@code dE_dw1}, ..., {@code dE_db2}. */
  public static String gradientColumn(Parameter parameter) {
    return "dE_d" + parameter.label();
  }

  private static String gradientFormula(Parameter parameter) {
    return switch (parameter) {
      case W1 -> DELTA_H1 + "*{i1}";
      case W2 -> DELTA_H1 + "*{i2}";
      case W3 -> DELTA_H2 + "*{i1}";
      case W4 -> DELTA_H2 + "*{i2}";
      case W5 -> DELTA_O1 + "*{a_h1}";
      case W6 -> DELTA_O1 + "*{a_h2}";
      case W7 -> DELTA_O2 + "*{a_h1}";
      case W8 -> DELTA_O2 + "*{a_h2}";
      case B1 -> DELTA_H1 + "+" + DELTA_H2;
      case B2 -> DELTA_O1 + "+" + DELTA_O2;
    };
  }

  private static String sigmoid(String netInput) {
    return "1/(1+EXP(-" + netInput + "))";
  }

  private static Column derived(String name, ToDoubleFunction<StepRow> value, String template) {
    return new Column(name, value, new Derived(template));
  }
}
