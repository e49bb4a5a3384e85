package dev.backprop.sheet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class ChainRuleTest {

  private static final WorkedExample MAZUR_TRAINED = new WorkedExample(WorkedExample.mazur().example(),
      WorkedExample.mazur().initialWeights(), true, true);

  @Test
  void theSumOfThePathsIsTheGradientAlongWholeTrajectories() {
    // The paths and Gradients group the same products differently: each product of at most six factors is
    // off by a few roundings (u = 2^-53 relative), and so is their sum, relative to the sum of their magnitudes.
    for (WorkedExample network : List.of(WorkedExample.course(), MAZUR_TRAINED)) {
      for (Step step : network.descend(new LearningRate("2.0", 2.0), 50).steps()) {
        for (Parameter parameter : network.parameters()) {
          ChainRule rule = ChainRule.of(network.example(), step, parameter);
          double magnitude = 0;
          for (int path = 0; path < rule.paths().size(); path++) {
            magnitude += Math.abs(rule.pathValue(path));
          }
          assertThat(rule.value()).as("%s at step %d", parameter.label(), step.index())
              .isCloseTo(step.gradients().get(parameter), within(16 * 0x1p-53 * magnitude));
        }
      }
    }
  }

  @Test
  void eachPathIsTheCoursesProductOfLocalDerivatives() {
    WorkedExample course = WorkedExample.course();
    Example x = course.example();
    Step start = Step.at(0, x, course.initialWeights());
    ForwardPass f = start.forward();

    ChainRule w5 = ChainRule.of(x, start, Parameter.W5);
    assertThat(w5.paths()).hasSize(1);
    assertThat(w5.paths().getFirst()).extracting(ChainRule.Factor::derivative)
        .containsExactly("∂E_total/∂a_o1", "∂a_o1/∂o1", "∂o1/∂w5");
    assertThat(w5.paths().getFirst()).extracting(ChainRule.Factor::value)
        .containsExactly(f.aO1() - x.t1(), f.aO1() * (1 - f.aO1()), f.aH1());

    ChainRule w1 = ChainRule.of(x, start, Parameter.W1);
    assertThat(w1.paths()).hasSize(2);
    assertThat(w1.paths().get(1)).extracting(ChainRule.Factor::formula)
        .containsExactly("a_o2 − t2", "a_o2·(1 − a_o2)", "w7", "a_h1·(1 − a_h1)", "i1");
    assertThat(w1.pathValue(1)).isEqualTo(
        (f.aO2() - x.t2()) * (f.aO2() * (1 - f.aO2())) * 0.5 * (f.aH1() * (1 - f.aH1())) * x.i1());
  }

  @Test
  void biasesCollectEveryPathThroughTheUnitsTheyFeed() {
    Example x = MAZUR_TRAINED.example();
    Step start = Step.at(0, x, MAZUR_TRAINED.initialWeights());

    assertThat(ChainRule.of(x, start, Parameter.B1).paths()).hasSize(4)
        .allSatisfy(path -> assertThat(path.getLast().formula()).isEqualTo("1"));
    assertThat(ChainRule.of(x, start, Parameter.B2).paths()).hasSize(2);
    assertThat(ChainRule.of(x, start, Parameter.W4).paths().getFirst().getLast().derivative()).isEqualTo("∂h2/∂w4");
  }
}
