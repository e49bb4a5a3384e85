package dev.backprop.layers;

import dev.backprop.tensor.Gemm;
import dev.backprop.tensor.Rng;
import dev.backprop.tensor.Tensor;
import java.util.Arrays;
import java.util.List;

/**
 * Fully connected layer on [N, in], as torch.nn.Linear:
 *
 * <pre>
 *   forward    y[N, out]  = x[N, in] · Wᵀ (+ b)        W is [out, in]
 *   backward   dW[out, in] += dyᵀ · x,   db += Σ_n dy,   dx[N, in] = dy · W
 * </pre>
 *
 * The input is kept (not copied) from forward to backward.
 */
public final class Linear implements Layer {
  private final int inFeatures;
  private final int outFeatures;
  private final Parameter weight; // [out, in]
  private final Parameter bias; // [out], or null
  private final List<Parameter> parameters;

  private Tensor input;
  private Tensor output;
  private Tensor gradInput;

  public Linear(int inFeatures, int outFeatures, boolean bias, Rng rng) {
    if (inFeatures < 1 || outFeatures < 1) {
      throw new IllegalArgumentException("Linear(%d, %d): sizes must be positive".formatted(inFeatures, outFeatures));
    }
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.weight = new Parameter("weight", Tensor.zeros(outFeatures, inFeatures));
    Init.kaimingUniform(weight.value(), inFeatures, Math.sqrt(5.0), rng);
    if (bias) {
      this.bias = new Parameter("bias", Tensor.zeros(outFeatures));
      Init.fanInUniform(this.bias.value(), inFeatures, rng);
      this.parameters = List.of(weight, this.bias);
    } else {
      this.bias = null;
      this.parameters = List.of(weight);
    }
  }

  public Parameter weight() {
    return weight;
  }

  public int inFeatures() {
    return inFeatures;
  }

  public int outFeatures() {
    return outFeatures;
  }

  /** The bias parameter, or null when built without one. */
  public Parameter bias() {
    return bias;
  }

  @Override
  public List<Parameter> parameters() {
    return parameters;
  }

  @Override
  public int[] outputShape(int[] inputShape) {
    if (inputShape.length != 1 || inputShape[0] != inFeatures) {
      throw new IllegalArgumentException(
          "Linear expects [" + inFeatures + "] per sample, got " + Arrays.toString(inputShape));
    }
    return new int[] {outFeatures};
  }

  // x [N, in] -> y [N, out]
  @Override
  public Tensor forward(Tensor x, boolean training) {
    Shapes.requireRank(x, 2, "Linear");
    if (x.dim(1) != inFeatures) {
      throw new IllegalArgumentException("Linear expects " + inFeatures + " input features, got " + x);
    }
    int n = x.dim(0);
    input = x;
    output = Tensor.reuseOrAllocate(output, n, outFeatures);
    float[] y = output.data();
    if (bias != null) {
      float[] b = bias.value().data();
      for (int s = 0; s < n; s++) {
        System.arraycopy(b, 0, y, s * outFeatures, outFeatures);
      }
    }
    Gemm.gemm(false, true, n, outFeatures, inFeatures, x.data(), 0, inFeatures, weight.value().data(), 0,
        inFeatures, y, 0, outFeatures, bias != null);
    return output;
  }

  // dy [N, out] -> dx [N, in]
  @Override
  public Tensor backward(Tensor gradOutput) {
    Shapes.requireGradient(gradOutput, output, "Linear");
    int n = input.dim(0);
    float[] dy = gradOutput.data();
    Gemm.gemm(true, false, outFeatures, inFeatures, n, dy, 0, outFeatures, input.data(), 0, inFeatures,
        weight.grad().data(), 0, inFeatures, true);
    if (bias != null) {
      float[] db = bias.grad().data();
      for (int s = 0; s < n; s++) {
        for (int o = 0; o < outFeatures; o++) {
          db[o] += dy[s * outFeatures + o];
        }
      }
    }
    gradInput = Scratch.like(gradInput, input);
    Gemm.gemm(false, false, n, inFeatures, outFeatures, dy, 0, outFeatures, weight.value().data(), 0,
        inFeatures, gradInput.data(), 0, inFeatures, false);
    return gradInput;
  }

  @Override
  public String toString() {
    return "Linear(in_features=%d, out_features=%d, bias=%s)"
        .formatted(inFeatures, outFeatures, bias == null ? "False" : "True");
  }
}
