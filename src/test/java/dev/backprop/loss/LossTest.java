package dev.backprop.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import dev.backprop.layers.LogSoftmax;
import dev.backprop.reference.Check;
import dev.backprop.reference.DTensor;
import dev.backprop.reference.GradCheck;
import dev.backprop.reference.RefClassificationLoss;
import dev.backprop.tensor.Rng;
import dev.backprop.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Losses against their double references: value within 1e-6 relative, gradient within 1e-5 of max(1, max|ref|),
 * reference gradient against finite differences (1e-6).
 */
class LossTest {

  @Test
  void nll() {
    Check.classificationLoss(new NllLoss(), RefClassificationLoss.nll(), 5, 4, 1);
    Check.classificationLoss(new NllLoss(), RefClassificationLoss.nll(), 1, 10, 2);
  }

  @Test
  void crossEntropy() {
    Check.classificationLoss(new CrossEntropyLoss(), RefClassificationLoss.crossEntropy(0), 7, 10, 3);
    Check.classificationLoss(new CrossEntropyLoss(0.0), RefClassificationLoss.crossEntropy(0), 1, 2, 4);
  }

  @Test
  void crossEntropyWithLabelSmoothing() {
    Check.classificationLoss(new CrossEntropyLoss(0.1), RefClassificationLoss.crossEntropy(0.1), 6, 10, 5);
    Check.classificationLoss(new CrossEntropyLoss(0.5), RefClassificationLoss.crossEntropy(0.5), 3, 3, 6);
  }

  @Test
  void crossEntropyIsNllOfLogSoftmax() {
    Tensor x = Tensor.zeros(4, 6);
    new Rng(7).gaussian(x.data(), 0, 3);
    int[] labels = {0, 5, 2, 2};
    CrossEntropyLoss ce = new CrossEntropyLoss();
    NllLoss nll = new NllLoss();
    LogSoftmax logSoftmax = new LogSoftmax();
    double viaNll = nll.forward(logSoftmax.forward(x, true), labels);
    assertThat(ce.forward(x, labels)).isCloseTo(viaNll, offset(1e-6));
    Tensor g1 = ce.backward();
    Tensor g2 = logSoftmax.backward(nll.backward());
    Check.close("CE gradient vs LogSoftmax+NLL", g1, DTensor.of(g2), 1e-6);
  }

  @Test
  void crossEntropyIsStableForHugeLogits() {
    Tensor x = Tensor.wrap(new float[] {1000f, -1000f, 990f, -5e4f, 3e4f, 3e4f}, 2, 3);
    int[] labels = {2, 0};
    CrossEntropyLoss ce = new CrossEntropyLoss(0.1);
    double loss = ce.forward(x, labels);
    double expected = RefClassificationLoss.crossEntropy(0.1).forward(DTensor.of(x), labels);
    // The log-probabilities are float32, as PyTorch's: x − max, then − log Σ exp, each rounded (≤ u = 2^-24 of
    // at most max|x − max| = 8e4). The loss weights them by q, which sums to 1 per sample, so it is off by at
    // most 2u·8e4 = 0.0095 of 37,000; the double reference is exact by comparison.
    assertThat(loss).isFinite().isCloseTo(expected, offset(2 * 0x1p-24 * 8e4));
    for (float g : ce.backward().data()) {
      assertThat(g).isFinite();
    }
  }

  @Test
  void uniformLogitsGiveLogC() {
    CrossEntropyLoss ce = new CrossEntropyLoss();
    assertThat(ce.forward(Tensor.zeros(3, 10), new int[] {1, 2, 3})).isCloseTo(Math.log(10), offset(1e-7));
  }

  @Test
  void labelsAreChecked() {
    Tensor x = Tensor.zeros(2, 3);
    assertThatThrownBy(() -> new NllLoss().forward(x, new int[] {0, 3})).hasMessageContaining("label 3");
    assertThatThrownBy(() -> new CrossEntropyLoss().forward(x, new int[] {-1, 0})).hasMessageContaining("label -1");
    assertThatThrownBy(() -> new CrossEntropyLoss().forward(x, new int[] {0})).hasMessageContaining("1 labels");
    assertThatThrownBy(() -> new CrossEntropyLoss(1.5)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void sumSquares() {
    Rng rng = new Rng(8);
    Tensor y = Tensor.zeros(3, 4);
    Tensor t = Tensor.zeros(3, 4);
    rng.gaussian(y.data(), 0, 1);
    rng.gaussian(t.data(), 0, 1);
    DTensor yd = DTensor.of(y);
    DTensor td = DTensor.of(t);
    SumSquaresLoss loss = new SumSquaresLoss();
    double ref = halfSumSquares(yd, td);
    assertThat(loss.forward(y, t)).isCloseTo(ref, offset(1e-12 * Math.max(1, ref)));
    DTensor refGrad = DTensor.zeros(3, 4);
    for (int i = 0; i < refGrad.size(); i++) {
      refGrad.data()[i] = yd.data()[i] - td.data()[i];
    }
    Tensor grad = loss.backward();
    Check.close("SumSquaresLoss gradient", grad, refGrad, Check.ENGINE_TOLERANCE);
    GradCheck.tensor(
        "SumSquaresLoss", yd, refGrad, unused -> halfSumSquares(yd, td), Integer.MAX_VALUE, new Random(0));
    loss.forward(y, t);
    assertThat(loss.backward()).isSameAs(grad);
  }

  @Test
  void sumSquaresOfTheWorkedExample() {
    // Mazur's 2-2-2 example: outputs 0.75136507, 0.77292847 against targets 0.01, 0.99 give E = 0.298371109
    Tensor y = Tensor.wrap(new float[] {0.75136507f, 0.772928465f}, 1, 2);
    Tensor t = Tensor.wrap(new float[] {0.01f, 0.99f}, 1, 2);
    assertThat(new SumSquaresLoss().forward(y, t)).isCloseTo(0.298371109, offset(1e-7));
  }

  private static double halfSumSquares(DTensor y, DTensor t) {
    double sum = 0;
    for (int i = 0; i < y.size(); i++) {
      double d = y.data()[i] - t.data()[i];
      sum += d * d;
    }
    return 0.5 * sum;
  }

  /**
   * train --label-smoothing applies the cross-entropy to the model's log-probabilities: log-softmax of
   * log-probabilities changes nothing, so loss and gradient with respect to the logits are those of the
   * cross-entropy of the logits.
   */
  @Test
  void crossEntropyOfLogProbabilitiesIsCrossEntropyOfLogits() {
    Tensor logits = Tensor.zeros(5, 10);
    new Rng(4).gaussian(logits.data(), 0, 3);
    int[] labels = {3, 0, 9, 9, 1};
    CrossEntropyLoss direct = new CrossEntropyLoss(0.1);
    double want = direct.forward(logits, labels);
    float[] wantGrad = direct.backward().data().clone();

    LogSoftmax logSoftmax = new LogSoftmax();
    CrossEntropyLoss onLogProbs = new CrossEntropyLoss(0.1);
    double got = onLogProbs.forward(logSoftmax.forward(logits, true), labels);
    float[] gotGrad = logSoftmax.backward(onLogProbs.backward()).data();

    assertThat(got).isCloseTo(want, offset(1e-6));
    for (int i = 0; i < wantGrad.length; i++) {
      assertThat(gotGrad[i]).as("gradient %d", i).isCloseTo(wantGrad[i], offset(1e-6f));
    }
  }
}
