package dev.backprop.web;

import dev.backprop.data.DigitImages;
import dev.backprop.layers.Conv2d;
import dev.backprop.layers.DepthwiseConv2d;
import dev.backprop.layers.Layer;
import dev.backprop.layers.ReLU;
import dev.backprop.layers.Sequential;
import dev.backprop.tensor.Tensor;
import dev.backprop.train.Predictions;
import java.util.ArrayList;
import java.util.List;

/**
 * One model answering one request at a time: the digit and its probabilities as {@code backprop predict} gives
 * them, and on request what the network saw on the way (each convolution's feature maps) and the saliency map.
 */
final class Predictor {
  private final Sequential model;

  Predictor(Sequential model) {
    this.model = model;
  }

  /**
   * The answer for one 28×28 input.
   *
   * @param input the pixels in 0..1, light on dark, row by row: what the model sees before the training
   *     normalisation
   * @param featureMaps each convolution's output (after its ReLU when one follows), when asked for
   * @param saliency ∂ log p(digit) / ∂ input pixel, same layout as {@code input}, when asked for
   */
  record Prediction(int digit, double[] probabilities, float[] input, List<FeatureMap> featureMaps,
      float[] saliency) {}

  /** The output of one convolution: {@code channels} planes of height × width, plane by plane, row by row. */
  record FeatureMap(String layer, int channels, int height, int width, float[] values) {}

  /**
   * Classifies {@code input} (784 pixels in 0..1). Without detail this is {@code predict}'s computation
   * ({@link Sequential#infer}); with it, the eval-mode forward layer by layer (the same bits) records the feature
   * maps and our own backward pass, down to the input, gives the saliency.
   */
  Prediction predict(float[] input, boolean detail) {
    float[] normalized = new float[input.length];
    for (int i = 0; i < input.length; i++) {
      normalized[i] = (input[i] - DigitImages.MEAN) / DigitImages.STD;
    }
    Tensor x = Tensor.wrap(normalized, 1, 1, DigitImages.SIDE, DigitImages.SIDE);
    if (!detail) {
      Tensor logProbabilities = model.infer(x);
      int digit = Predictions.argmax(logProbabilities, 0);
      return new Prediction(digit, probabilities(logProbabilities), input, null, null);
    }
    List<Layer> layers = model.layers();
    List<FeatureMap> maps = new ArrayList<>();
    Tensor logProbabilities = model.forward(x, (output, index) -> {
      // A convolution is shown after the ReLU that follows it, if any: where its features become sparse.
      Layer layer = layers.get(index);
      boolean reluFollows = index + 1 < layers.size() && layers.get(index + 1) instanceof ReLU;
      if (isConvolution(layer) && !reluFollows) {
        maps.add(featureMap(name(layers, index), output));
      } else if (layer instanceof ReLU && index > 0 && isConvolution(layers.get(index - 1))) {
        maps.add(featureMap(name(layers, index - 1) + " → " + name(layers, index), output));
      }
    });
    int digit = Predictions.argmax(logProbabilities, 0);
    double[] probabilities = probabilities(logProbabilities);
    // The model ends in a log-softmax, so ∂ log p(digit) / ∂ output is the one-hot vector of the digit.
    Tensor oneHot = Tensor.zeros(logProbabilities.shape());
    oneHot.data()[digit] = 1;
    model.zeroGrad();
    float[] gradient = model.backward(oneHot).data();
    float[] saliency = new float[gradient.length];
    for (int i = 0; i < gradient.length; i++) {
      saliency[i] = gradient[i] / DigitImages.STD; // the input pixel p enters the model as (p − mean) / std
    }
    return new Prediction(digit, probabilities, input, List.copyOf(maps), saliency);
  }

  private static boolean isConvolution(Layer layer) {
    return layer instanceof Conv2d || layer instanceof DepthwiseConv2d;
  }

  /** torchsummary's names, as {@code backprop summary} prints them: Conv2d-1, ReLU-2, ... */
  private static String name(List<Layer> layers, int index) {
    return layers.get(index).getClass().getSimpleName() + "-" + (index + 1);
  }

  private static FeatureMap featureMap(String name, Tensor output) {
    return new FeatureMap(name, output.dim(1), output.dim(2), output.dim(3), output.data().clone());
  }

  private static double[] probabilities(Tensor logProbabilities) {
    double[] probabilities = new double[logProbabilities.dim(1)];
    for (int c = 0; c < probabilities.length; c++) {
      probabilities[c] = Math.exp(logProbabilities.data()[c]);
    }
    return probabilities;
  }
}
