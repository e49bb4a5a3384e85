package dev.backprop.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backprop.sheet.ChainRule;
import dev.backprop.sheet.Example;
import dev.backprop.sheet.GradientCheck;
import dev.backprop.sheet.LearningRate;
import dev.backprop.sheet.Parameter;
import dev.backprop.sheet.SheetOptions;
import dev.backprop.sheet.Step;
import dev.backprop.sheet.StepTable;
import dev.backprop.sheet.StepTable.Column;
import dev.backprop.sheet.Trajectory;
import dev.backprop.sheet.Weights;
import dev.backprop.sheet.WorkedExample;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code POST /api/sheet}: the {@code sheet} command's options as JSON ({@code lr}, {@code steps}, {@code inputs},
 * {@code targets}, {@code weights}, {@code biases}, {@code train-biases}, {@code preset}; a list as a JSON array or
 * as the command's comma-separated text), checked by the same code as the command's. The answer holds, per learning
 * rate, the rows of {@code steps_lr<η>.csv} (the same doubles: the CSV writes each with Double.toString, as JSON
 * does) and for every step what the explorer shows beside them: each gradient's central finite difference, the
 * update w − η·g, and the chain rule's factors ({@link ChainRule}).
 */
record SheetApi(Workers workers, ServerLimits limits) implements ApiEndpoint.Work {

  /** A browser draws every step of every rate: 1,000 steps of 10 rates are about 16 MB of JSON. */
  static final int MAX_STEPS = 1000;
  static final int MAX_LEARNING_RATES = 10;

  private static final Set<String> OPTIONS = Set.of("lr", "steps", "inputs", "targets", "weights", "biases",
      "train-biases", "preset");

  @Override
  public Object answer(ApiEndpoint.Request request) throws IOException, InterruptedException {
    JsonNode json = Responses.readJson(request.body());
    Responses.refuseUnknownFields(json, OPTIONS);
    JsonNode trainBiases = json.get("train-biases");
    if (trainBiases != null && !trainBiases.isBoolean()) {
      throw new ApiError(400, "train-biases: expected true or false, not " + trainBiases);
    }
    SheetOptions options = new SheetOptions("", text(json, "lr"), text(json, "steps"), text(json, "inputs"),
        text(json, "targets"), text(json, "weights"), text(json, "biases"),
        trainBiases != null && trainBiases.booleanValue(), text(json, "preset"));
    WorkedExample network = options.network();
    List<LearningRate> rates = options.rates();
    if (rates.size() > MAX_LEARNING_RATES) {
      throw new ApiError(400, "lr: at most " + MAX_LEARNING_RATES + " learning rates, got " + rates.size());
    }
    int steps = options.stepCount(MAX_STEPS);
    return workers.compute(unused -> answer(network, rates, steps), limits.timeLimit());
  }

  static Map<String, Object> answer(WorkedExample network, List<LearningRate> rates, int steps) {
    Example x = network.example();
    List<Parameter> parameters = network.parameters();
    List<Column> columns = StepTable.columns(network);
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("example", Map.of("i1", x.i1(), "i2", x.i2(), "t1", x.t1(), "t2", x.t2()));
    answer.put("parameters", parameters.stream().map(Parameter::label).toList());
    answer.put("trained", network.trainedParameters().stream().map(Parameter::label).toList());
    answer.put("has_biases", network.hasBiases());
    answer.put("train_biases", network.trainBiases());
    double difference = GradientCheck.maxDifference(network, network.initialWeights());
    answer.put("check", Map.of("max_difference", difference, "tolerance", GradientCheck.TOLERANCE,
        "passes", GradientCheck.passes(difference)));
    answer.put("columns", columns.stream().map(Column::name).toList());
    Step start = Step.at(0, x, network.initialWeights());
    Map<String, Object> chain = new LinkedHashMap<>();
    for (Parameter parameter : parameters) {
      chain.put(parameter.label(), ChainRule.of(x, start, parameter).paths().stream()
          .map(path -> path.stream().map(f -> Map.of("derivative", f.derivative(), "formula", f.formula()))
              .toList())
          .toList());
    }
    answer.put("chain", chain);
    List<Map<String, Object>> trajectories = new ArrayList<>();
    for (LearningRate rate : rates) {
      trajectories.add(trajectory(network, network.descend(rate, steps), columns));
    }
    answer.put("trajectories", trajectories);
    return answer;
  }

  /**
   * {@code lr}: the rate as written; {@code rows}: the CSV's rows; {@code steps}: per step {@code fd} and
   * {@code next} (per parameter, in the order of {@code parameters}) and {@code chain} (per parameter, per path:
   * the factors' values, then their product).
   */
  private static Map<String, Object> trajectory(WorkedExample network, Trajectory trajectory, List<Column> columns) {
    Example x = network.example();
    List<Parameter> parameters = network.parameters();
    double learningRate = trajectory.learningRate().value();
    List<List<Number>> rows = new ArrayList<>();
    List<Map<String, Object>> steps = new ArrayList<>();
    for (Step step : trajectory.steps()) {
      StepTable.StepRow row = new StepTable.StepRow(trajectory.learningRate(), x, step);
      rows.add(columns.stream().map(column -> column.rule() instanceof StepTable.Counter
          ? (Number) (long) column.value().applyAsDouble(row) : (Number) column.value().applyAsDouble(row)).toList());
      Weights next = step.weights().descend(learningRate, step.gradients(), network.trainBiases());
      Map<String, Object> chain = new LinkedHashMap<>();
      for (Parameter parameter : parameters) {
        ChainRule rule = ChainRule.of(x, step, parameter);
        List<List<Double>> paths = new ArrayList<>();
        for (int p = 0; p < rule.paths().size(); p++) {
          List<Double> values = new ArrayList<>(rule.paths().get(p).stream().map(ChainRule.Factor::value).toList());
          values.add(rule.pathValue(p));
          paths.add(values);
        }
        chain.put(parameter.label(), paths);
      }
      Map<String, Object> detail = new LinkedHashMap<>();
      detail.put("fd", parameters.stream()
          .map(p -> GradientCheck.centralDifference(x, step.weights(), p)).toList());
      detail.put("next", parameters.stream().map(next::get).toList());
      detail.put("chain", chain);
      steps.add(detail);
    }
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("lr", trajectory.learningRate().label());
    json.put("rows", rows);
    json.put("steps", steps);
    return json;
  }

  /** An option's text as the command line would have it: a JSON list joined with commas, a number as written. */
  private static String text(JsonNode json, String option) {
    JsonNode node = json.get(option);
    if (node == null || node.isNull()) {
      return null;
    }
    if (node.isArray()) {
      List<String> parts = new ArrayList<>();
      node.elements().forEachRemaining(element -> parts.add(scalar(option, element)));
      return String.join(",", parts);
    }
    return scalar(option, node);
  }

  private static String scalar(String option, JsonNode node) {
    if (node.isTextual()) {
      return node.textValue();
    }
    if (node.isNumber()) {
      return node.isBigDecimal() ? node.decimalValue().toString() : node.asText();
    }
    throw new ApiError(400, option + ": expected numbers or text, not " + node);
  }
}
